"""`train_dual_view`: fine-tune an encoder on dual-view pairs with sentence-transformers.

Multi-GPU runs use the same entry point under ``torchrun --nproc_per_node N`` or ``accelerate launch``:
every process loads the data and model, the trainer shards whole batches (so both views of a pair stay
on one device), and only the main process evaluates and writes the output directory.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Sequence
from typing import Any

from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import (
    CachedMultipleNegativesRankingLoss,
    MultipleNegativesRankingLoss,
)
from transformers import PrinterCallback, ProgressCallback, TrainerCallback

from instructret.encoder import load_sentence_transformer, pick_device, resolve_model_path
from instructret.errors import InstructretError
from instructret.evaluation.measures import MEASURES, canonical_scores, json_ready
from instructret.formatting import InstructionTemplate, resolve_template
from instructret.progress import say
from instructret.training.callbacks import (
    StopOnRequest,
    TrainingProgress,
    describe_scores,
    progress_mode,
    stop_on_sigint,
)
from instructret.training.config import TrainConfig, TrainingInterrupted, TrainResult
from instructret.training.dataset import ORIGINAL_STYLE, build_training_set
from instructret.training.model_card import write_model_card, write_training_metadata
from instructret.training.resume import (  # noqa: F401 - is_main_process is re-exported
    CHECKPOINTS,
    RUN_CONFIG,
    checkpoint_to_resume,
    is_main_process,
    run_record,
)
from instructret.training.sampler import BatchLayout, DualViewBatchSampler
from instructret.training.split_loss import SplitQueryLoss

logger = logging.getLogger(__name__)

#: File in the checkpoints directory with the base model's dev metrics (so a resumed run still reports them).
DEV_BEFORE = "dev_before.json"


class DualViewTrainer(SentenceTransformerTrainer):
    """`SentenceTransformerTrainer` that batches with :class:`DualViewBatchSampler`.

    Args:
        layout: The unit structure of ``train_dataset`` (from
            :func:`~instructret.training.dataset.build_training_set`).
        *args: Passed to `SentenceTransformerTrainer`.
        **kwargs: Passed to `SentenceTransformerTrainer`.
    """

    def __init__(self, *args: Any, layout: BatchLayout, **kwargs: Any):
        self.layout = layout
        super().__init__(*args, **kwargs)

    def get_batch_sampler(  # noqa: D102 - documented in the base class
        self,
        dataset: Any,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: Any = None,
        seed: int = 0,
    ) -> DualViewBatchSampler:
        return DualViewBatchSampler(
            dataset, batch_size, drop_last, valid_label_columns, generator, seed, layout=self.layout
        )


def _training_device(config: TrainConfig) -> str:
    device = pick_device(config.device)
    local_rank = os.environ.get("LOCAL_RANK")
    if local_rank is not None and device == "cuda":
        device = f"cuda:{local_rank}"  # under torchrun/accelerate each process owns one GPU
    return device


def _precision(config: TrainConfig, device: str) -> str:
    if config.precision == "auto":
        if device.startswith("cuda"):
            import torch

            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"
    if config.precision == "fp16" and not device.startswith("cuda"):
        raise InstructretError(f"fp16 training needs a CUDA GPU (device is {device}); use bf16 or fp32")
    return config.precision


def _resolve_style_names(config: TrainConfig) -> list[str] | None:
    """The styles to draw from: ``styles`` if set; with ``style_mix``, every style in the files plus the original."""
    if config.styles:
        return list(config.styles)
    if not config.style_mix:
        return None
    from instructret.data.jsonl import iter_json_lines

    found: dict[str, None] = {ORIGINAL_STYLE: None}
    for path in config.pairs:
        for _, obj in iter_json_lines(path):
            for name in obj.get("styles") or {}:
                found.setdefault(name, None)
    if len(found) == 1:
        logger.warning("--style-mix: the pairs carry no styled instructions (add them with `instructret restyle`)")
    return list(found)


def _check_options(config: TrainConfig) -> None:
    if config.batch_size < 2:
        raise InstructretError("batch size must be at least 2 (in-batch negatives need company)")
    if config.views == "dual" and not config.explicit_negatives and config.batch_size % 2:
        raise InstructretError(f"batch size must be even with dual views (got {config.batch_size})")
    if not 0 <= config.warmup_ratio < 1:
        raise InstructretError(f"warmup ratio must be in [0, 1), got {config.warmup_ratio}")
    if config.lr <= 0 or config.epochs <= 0:
        raise InstructretError("learning rate and epochs must be positive")
    if config.max_steps is not None and config.max_steps <= 0:
        raise InstructretError("max steps must be positive")
    if config.save_steps <= 0:
        raise InstructretError("save steps must be positive")
    check_base_weight(config.base_weight)
    check_split(config)
    if config.resume and config.overwrite:
        raise InstructretError("--resume and --overwrite contradict each other; pick one")


def _logged_eval(log_history: list[dict[str, Any]], step: int, name: str) -> dict[str, float] | None:
    """The dev metrics the trainer already logged at ``step`` (its last evaluation), so they are not redone."""
    for entry in reversed(log_history):
        scores = canonical_scores(entry, prefix=f"eval_{name}_") if entry.get("step") == step else None
        if scores and len(scores) == len(MEASURES):
            return scores
    return None


def _widget(dataset: Any) -> list[dict[str, Any]]:
    """A model-card widget from the first rows: a formatted query and the documents of both views.

    Given up front, it spares sentence-transformers sampling one itself (which draws a tqdm bar).
    """
    rows = dataset.select(range(min(4, len(dataset))))
    if not len(rows):
        return []
    return [{"source_sentence": rows[0]["anchor"], "sentences": [r["positive"] for r in rows]}]


def check_base_weight(weight: float) -> None:
    """Refuse a base-model share outside [0, 1) (at 1 the training would be thrown away)."""
    if not 0.0 <= weight < 1.0:
        raise InstructretError(f"base weight must be in [0, 1), got {weight}")


def interpolate_toward_base(model: Any, base: str, weight: float) -> None:
    """Move ``model``'s weights in place to ``(1 - weight) * model + weight * base`` (WiSE-FT).

    Args:
        model: The fine-tuned SentenceTransformer.
        base: The base model it was trained from (alias, path or hub name).
        weight: The base model's share, in [0, 1).
    """
    import torch

    check_base_weight(weight)
    reference = load_sentence_transformer(base, device="cpu").state_dict()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            ref = reference.get(name)
            if ref is None or not tensor.is_floating_point() or ref.shape != tensor.shape:
                continue
            tensor.mul_(1.0 - weight).add_(ref.to(device=tensor.device, dtype=tensor.dtype), alpha=weight)


def check_split(config: TrainConfig) -> None:
    """Refuse split settings that training cannot honour (one line each)."""
    from instructret.spec import EXCLUSION_WEIGHT_RANGE

    low, high = EXCLUSION_WEIGHT_RANGE
    if not low <= config.exclusion_weight <= high:
        raise InstructretError(f"exclusion weight must be in [{low:g}, {high:g}], got {config.exclusion_weight}")
    if config.split and config.cached:
        raise InstructretError("--cached does not support --split yet; pass --no-split or drop --cached")


def _build_loss(config: TrainConfig, model: Any, excluded_columns: int = 0) -> Any:
    if config.split:
        return SplitQueryLoss(model, config.exclusion_weight, excluded_columns, scale=config.scale,
                              gather_across_devices=config.gather_across_devices)
    if config.cached:
        return CachedMultipleNegativesRankingLoss(
            model,
            scale=config.scale,
            mini_batch_size=config.mini_batch_size,
            gather_across_devices=config.gather_across_devices,
            show_progress_bar=False,
        )
    return MultipleNegativesRankingLoss(model, scale=config.scale, gather_across_devices=config.gather_across_devices)


def step_budget(config: TrainConfig, rows_per_epoch: int) -> int | None:
    """The optimizer steps to run: ``max_steps``, unless ``epochs`` end first (None: train by epochs).

    One epoch is ``ceil(rows / batch)`` batches, shared out over the processes of a multi-device run.
    """
    if config.max_steps is None:
        return None
    world = max(1, int(os.environ.get("WORLD_SIZE", "1")))
    per_epoch = math.ceil(math.ceil(rows_per_epoch / config.batch_size) / world)
    return None if config.epochs * per_epoch <= config.max_steps else config.max_steps


def _training_args(config: TrainConfig, device: str, has_evaluator: bool,
                   max_steps: int | None = None) -> SentenceTransformerTrainingArguments:
    precision = _precision(config, device)
    # transformers 5 renamed gradient_checkpointing (the old name warns even when False).
    fields = SentenceTransformerTrainingArguments.__dataclass_fields__
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing"
    return SentenceTransformerTrainingArguments(
        **{checkpointing: config.gradient_checkpointing},
        output_dir=str(config.output_dir / CHECKPOINTS),
        num_train_epochs=config.epochs,
        max_steps=max_steps or -1,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.lr,
        warmup_steps=config.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        weight_decay=config.weight_decay,
        fp16=precision == "fp16",
        bf16=precision == "bf16",
        seed=config.seed,
        data_seed=config.seed,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="steps" if has_evaluator else "no",
        eval_steps=config.eval_steps or config.save_steps,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        report_to="none",
        disable_tqdm=True,  # progress is drawn by TrainingProgress
        use_cpu=device == "cpu",
        dataloader_drop_last=False,
    )


def train_dual_view(config: TrainConfig, callbacks: Sequence[TrainerCallback] = ()) -> TrainResult:
    """Fine-tune ``config.model`` on dual-view pairs and save a ready-to-use model in ``config.output_dir``.

    The output loads with plain ``SentenceTransformer(path)`` and with ``InstructEncoder(path)`` (which
    picks up the saved query template); its README.md is a model card with the base model, the data, the
    flags and the dev metrics.

    Args:
        config: The run's settings (see :class:`~instructret.training.config.TrainConfig`).
        callbacks: Extra `transformers.TrainerCallback` objects (logging, timing, early stopping ...).

    Returns:
        A :class:`~instructret.training.config.TrainResult`.

    Raises:
        InstructretError: Bad input data or options, or an output directory that needs ``resume`` or
            ``overwrite``.
        TrainingInterrupted: Ctrl-C stopped the run after saving a checkpoint (resume with ``resume=True``).

    Example:
        >>> cfg = TrainConfig(pairs=["dualview.jsonl"], output_dir="out/model",
        ...                   general="general.jsonl")  # doctest: +SKIP
        >>> result = train_dual_view(cfg)  # doctest: +SKIP
        >>> InstructEncoder(str(result.output_dir))  # doctest: +SKIP
    """
    _check_options(config)
    device = _training_device(config)
    _, local = resolve_model_path(config.model)
    template: InstructionTemplate = resolve_template(local, config.template)
    tset = build_training_set(
        config.pairs,
        template,
        views=config.views,
        general=config.general,
        general_ratio=config.general_ratio,
        explicit_negatives=config.explicit_negatives,
        styles=_resolve_style_names(config),
        seed=config.seed,
        split=config.split and config.exclusion_weight > 0,  # search splits nothing at weight 0
        parser=config.parser,
    )
    if not tset.stats.general_per_epoch:
        logger.warning("no general pairs: dual-view pairs alone tend to lower topical quality (write them into "
                       "the pairs file with `instructret facets synth --general-ratio`, or pass --general)")
    record = run_record(config, tset.stats.files)
    resume_from = checkpoint_to_resume(config, record)

    model = load_sentence_transformer(config.model, device=device)
    # --max-seq-length caps training inputs only: evaluation and the saved model keep the model's own limit.
    native_length = model.max_seq_length
    if config.max_seq_length:
        model.max_seq_length = config.max_seq_length
    mode = progress_mode(config.show_progress)
    evaluator = None
    if config.eval_dir is not None:
        from instructret.training.evaluator import FollowIREvaluator

        # dev encoding shows as extra rows under the training bar; as plain lines only its scores
        evaluator = FollowIREvaluator(config.eval_dir, template, show_progress=mode == "bar",
                                      max_seq_length=native_length)

    stop = StopOnRequest()
    progress = TrainingProgress(mode, eval_prefix=f"eval_{evaluator.name}_" if evaluator else "eval_")
    train_dataset = tset.to_dataset()
    model.model_card_data.widget = _widget(train_dataset)
    trainer = DualViewTrainer(
        model=model,
        args=_training_args(config, device, evaluator is not None, step_budget(config, tset.layout.rows_per_epoch)),
        train_dataset=train_dataset,
        loss=_build_loss(config, model, tset.excluded_columns),
        evaluator=evaluator,
        callbacks=[stop, progress, *callbacks],
        layout=tset.layout,
    )
    trainer.remove_callback(PrinterCallback)  # the raw {'loss': ...} dicts
    trainer.remove_callback(ProgressCallback)
    main = trainer.is_world_process_zero()
    ckpt_dir = config.output_dir / CHECKPOINTS
    dev_before = None
    if main:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        (ckpt_dir / RUN_CONFIG).write_text(json.dumps(record, indent=2) + "\n")
        before_path = ckpt_dir / DEV_BEFORE
        if evaluator is not None and resume_from is None:
            dev_before = canonical_scores(evaluator(model), prefix=f"{evaluator.name}_")
            before_path.write_text(json.dumps(json_ready(dev_before)) + "\n")
            if mode == "lines":
                say(f"base model: dev {describe_scores(dev_before)}")
        elif evaluator is not None and before_path.is_file():
            # a checkpoint of an earlier version may hold the older spellings (dev_pmrr, ...)
            dev_before = canonical_scores(json.loads(before_path.read_text()), prefix=f"{evaluator.name}_")
    start_step = 0
    if resume_from is not None:
        state = json.loads((resume_from / "trainer_state.json").read_text())
        start_step = int(state.get("global_step", 0))

    try:
        with stop_on_sigint(stop):
            output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    finally:
        progress.close()
    step = trainer.state.global_step
    if stop.stopped_at is not None:
        ckpt = ckpt_dir / f"checkpoint-{step}"
        raise TrainingInterrupted(ckpt if ckpt.is_dir() else None, step)

    runtime = output.metrics.get("train_runtime")
    result = TrainResult(
        output_dir=config.output_dir,
        global_step=step,
        epochs=float(trainer.state.epoch or 0.0),
        train_loss=output.metrics.get("train_loss"),
        train_steps_per_second=(step - start_step) / runtime if runtime else None,
        dev_before=dev_before,
        dev_after=None,
        data=tset.stats,
        resumed_from=resume_from,
        log_history=list(trainer.state.log_history),
    )
    trainer.accelerator.wait_for_everyone()
    if main:
        if config.base_weight > 0:
            interpolate_toward_base(model, config.model, config.base_weight)
        if evaluator is not None:
            logged = None if config.base_weight > 0 else _logged_eval(result.log_history, step, evaluator.name)
            result.dev_after = logged or canonical_scores(evaluator(model), prefix=f"{evaluator.name}_")
        model.max_seq_length = native_length
        model.save(str(config.output_dir))
        write_training_metadata(config, result, template)
        write_model_card(config, result, template)
        if not config.keep_checkpoints:
            shutil.rmtree(ckpt_dir, ignore_errors=True)
    return result
