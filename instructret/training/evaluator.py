"""`FollowIREvaluator`: p-MRR, MAP@1000 and nDCG@5 on a FollowIR-format dev set, during training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sentence_transformers.base.evaluation import SentenceEvaluator

from instructret.encoder import InstructEncoder
from instructret.evaluation.measures import MEASURES, P_MRR
from instructret.formatting import InstructionTemplate

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

class FollowIREvaluator(SentenceEvaluator):
    """Rerank a FollowIR-format dev set with the model being trained, through the training template.

    The metrics are the measures of :mod:`instructret.evaluation.measures` under their own names (raw
    fractions, an undefined p-MRR NaN), logged by the trainer as ``eval_<name>_p-MRR``,
    ``eval_<name>_MAP@1000`` and ``eval_<name>_nDCG@5``; p-MRR is the primary metric.

    Args:
        eval_dir: A FollowIR-format directory (``corpus.jsonl``, ``queries.jsonl``, qrels, ``top_ranked.jsonl``).
        template: The query template the model is trained with.
        name: Prefix of the logged metric names.
        batch_size: Encoding batch size.
        show_progress: Show encoding progress bars.
        max_seq_length: Evaluate at this input length (the model's own, not a shorter training cap:
            FollowIR narratives are long), restoring the training length afterwards. None: as the model is.
    """

    def __init__(
        self,
        eval_dir: str | Path,
        template: InstructionTemplate,
        name: str = "dev",
        batch_size: int = 32,
        show_progress: bool = False,
        max_seq_length: int | None = None,
    ):
        super().__init__()
        from instructret.evaluation import load_followir

        self.eval_dir = Path(eval_dir)
        self.dataset = load_followir(self.eval_dir)
        self.template = template
        self.name = name
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.max_seq_length = max_seq_length
        self.primary_metric = P_MRR

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        """Evaluate ``model`` and return ``{<name>_p-MRR, <name>_MAP@1000, <name>_nDCG@5}``."""
        from instructret.evaluation import evaluate_followir

        encoder = InstructEncoder.from_model(model, self.template, name="training", batch_size=self.batch_size)
        training_length = model.max_seq_length
        if self.max_seq_length is not None:
            model.max_seq_length = self.max_seq_length
        try:
            # No cache directory: the weights change between calls, so every call encodes afresh.
            result = evaluate_followir(encoder, self.dataset, cache_dir=None, show_progress=self.show_progress)
        finally:
            model.max_seq_length = training_length
        metrics = self.prefix_name_to_metrics({name: result.scores[name] for name in MEASURES}, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics

    def get_config_dict(self) -> dict[str, str]:
        """Shown in the sentence-transformers model card."""
        return {"eval_dir": str(self.eval_dir), "template": self.template.template}
