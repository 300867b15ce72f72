"""Settings and results of a dual-view training run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from instructret.spec import DEFAULT_EXCLUSION_WEIGHT, DEFAULT_MODEL, DEFAULT_PARSER

if TYPE_CHECKING:  # the settings import without torch, so the CLI can build its options from them quickly
    from instructret.training.dataset import DataStats

Precision = Literal["auto", "fp32", "fp16", "bf16"]
Parser = Literal["rules", "llm", "none"]

#: Settings that change what a run computes: a resumed run must match the checkpoint's on all of them.
RESUME_KEYS = (
    "pairs",
    "model",
    "views",
    "general",
    "general_ratio",
    "explicit_negatives",
    "styles",
    "style_mix",
    "epochs",
    "max_steps",
    "batch_size",
    "lr",
    "warmup_ratio",
    "weight_decay",
    "max_seq_length",
    "seed",
    "cached",
    "mini_batch_size",
    "scale",
    "gather_across_devices",
    "template",
    "split",
    "parser",
    "exclusion_weight",
)

#: Values that runs checkpointed before a resume key existed were made with (read back when they lack it).
RESUME_KEY_DEFAULTS = {"split": False, "parser": DEFAULT_PARSER, "exclusion_weight": DEFAULT_EXCLUSION_WEIGHT}


@dataclass
class TrainConfig:
    """Everything a dual-view training run needs. The defaults are the recommended recipe.

    The recipe (``benchmarks/ablation.py``, see docs/training.md "The ablation"): both
    views trained on the split query vector (``split``), every instruction style the rows carry
    (``style_mix``), one general pair per dual-view pair (``general_ratio``; ``facets synth`` writes them into
    the pairs file), 400 steps of batch 16 at lr 4e-5 on 128-token inputs: about 9 minutes for MiniLM on two
    CPU cores. Every knob is here so the ablation can move it.

    Attributes:
        pairs: Dual-view pair files (JSONL).
        output_dir: Where the trained model is written (checkpoints go to ``output_dir/checkpoints``).
        model: Base model: alias (``minilm``), local directory or hub id.
        views: ``"dual"`` (both views, in one batch) or ``"original"`` (view A only: the baseline).
        general: General pairs file mixed in for topical quality ("diversity").
        general_ratio: General pairs per dual-view pair, drawn afresh each epoch.
        explicit_negatives: Add the other view's document as an explicit negative column (the views of a
            pair are then batched apart, as both rows hold the same two documents).
        styles: Instruction styles to draw from, one per view per epoch (``"original"`` = the row's own
            instructions). None: the original instructions only.
        style_mix: Draw from every style the rows have, plus the original (ignored when ``styles`` is set).
        epochs: Training epochs (the run stops earlier when ``max_steps`` comes first).
        max_steps: Stop after this many optimizer steps, or when ``epochs`` are done if that comes first
            (0 or None: by epochs only).
        batch_size: Rows per batch on each device (even, so pairs fill batches).
        lr: Peak learning rate.
        warmup_ratio: Fraction of steps with linear warmup.
        weight_decay: AdamW weight decay.
        max_seq_length: Truncate training inputs to this many tokens (None: the model's own limit). Dev
            evaluation and the saved model keep the model's own limit.
        precision: ``auto`` (bf16 on GPUs that support it, else fp16 on GPU, fp32 on CPU), or forced.
        seed: Seed for data order, style draws, general draws and initialisation of anything random.
        gradient_checkpointing: Trade compute for memory.
        cached: Use CachedMultipleNegativesRankingLoss (large batches on small memory).
        mini_batch_size: Mini-batch size of the cached loss.
        scale: Similarity scale of the loss (1 / temperature).
        base_weight: Weight-space ensembling toward the base model (WiSE-FT): the saved weights are
            ``(1 - base_weight) * trained + base_weight * base``. 0 keeps the trained weights; it acts as a
            regulariser that gives back topical quality and instruction behaviour the fine-tuning lost.
        gather_across_devices: On several GPUs, score every query against the documents of all devices'
            batches (more in-batch negatives) instead of its own device's batch only.
        save_steps: Write a resumable checkpoint every this many steps.
        save_total_limit: Checkpoints kept.
        keep_checkpoints: Keep ``output_dir/checkpoints`` after a finished run.
        eval_dir: FollowIR-format dev directory: p-MRR, MAP@1000 and nDCG@5 before, during and after training.
        eval_steps: Evaluate every this many steps (default: ``save_steps``).
        logging_steps: Log the loss every this many steps.
        resume: Continue from the latest checkpoint in ``output_dir/checkpoints``.
        overwrite: Start over even if ``output_dir`` holds a model or checkpoints.
        template: Query template with ``{query}`` and ``{instruction}``; default: the base model's saved one,
            else ``"{query} {instruction}"``.
        device: Device (``cuda``, ``mps``, ``cpu``); default: the best available.
        split: Train the query vector that search computes with the instruction split: each anchor is
            ``normalize(E(query + wanted) - exclusion_weight * mean E(excluded))``, with the same ``parser``,
            weight and template; the saved model carries both, so search uses what training used.
        parser: Instruction parser of the split (rules, llm, none), saved with the model.
        exclusion_weight: Weight of the excluded clauses in the split (0 to 2), fixed during training and saved
            with the model.
        show_progress: Show training progress: a bar on a terminal, else a plain line every ``logging_steps``.
    """

    pairs: list[Path]
    output_dir: Path
    model: str = DEFAULT_MODEL
    views: Literal["dual", "original"] = "dual"
    general: Path | None = None
    general_ratio: float = 1.0
    explicit_negatives: bool = False
    styles: tuple[str, ...] | None = None
    style_mix: bool = True
    epochs: float = 2.0
    max_steps: int | None = 400
    batch_size: int = 16
    lr: float = 4e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_seq_length: int | None = 128
    precision: Precision = "auto"
    seed: int = 42
    gradient_checkpointing: bool = False
    cached: bool = False
    mini_batch_size: int = 32
    scale: float = 20.0
    base_weight: float = 0.0
    gather_across_devices: bool = False
    save_steps: int = 500
    save_total_limit: int = 2
    keep_checkpoints: bool = False
    eval_dir: Path | None = None
    eval_steps: int | None = None
    logging_steps: int = 10
    resume: bool = False
    overwrite: bool = False
    template: str | None = None
    device: str | None = None
    split: bool = True
    parser: Parser = DEFAULT_PARSER  # type: ignore[assignment]
    exclusion_weight: float = DEFAULT_EXCLUSION_WEIGHT
    show_progress: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.pairs, str | Path):
            self.pairs = [self.pairs]
        self.pairs = [Path(p) for p in self.pairs]
        self.output_dir = Path(self.output_dir)
        self.general = Path(self.general) if self.general is not None else None
        self.eval_dir = Path(self.eval_dir) if self.eval_dir is not None else None
        if self.styles is not None:
            self.styles = tuple(self.styles)
        if self.max_steps == 0:  # the CLI's way to say "by epochs only"
            self.max_steps = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (paths as strings)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
            elif isinstance(value, list | tuple):
                out[key] = [str(v) if isinstance(v, Path) else v for v in value]
        return out


@dataclass
class TrainResult:
    """What a finished run produced.

    Attributes:
        output_dir: The saved model (loads with ``SentenceTransformer(path)`` and ``InstructEncoder(path)``).
        global_step: Optimizer steps done, in total (including those before a resume).
        epochs: Epochs done.
        train_loss: Mean training loss reported by the trainer for this call.
        train_steps_per_second: Steps per second of the training loop in this call.
        dev_before: Dev scores of the base model, keyed by measure name (``"p-MRR"``, ``"MAP@1000"``,
            ``"nDCG@5"``; see :mod:`instructret.evaluation.measures`); None without ``eval_dir``.
        dev_after: Dev scores of the trained model, keyed the same (None without ``eval_dir``).
        data: What went into the training set.
        resumed_from: The checkpoint this call continued from, if any.
        log_history: The trainer's log entries (loss, learning rate, dev metrics by step).
    """

    output_dir: Path
    global_step: int
    epochs: float
    train_loss: float | None
    train_steps_per_second: float | None
    dev_before: dict[str, float] | None
    dev_after: dict[str, float] | None
    data: DataStats
    resumed_from: Path | None = None
    log_history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def losses(self) -> list[tuple[int, float]]:
        """(step, loss) of every logged training loss, in order."""
        return [(int(e["step"]), float(e["loss"])) for e in self.log_history if "loss" in e and "step" in e]


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C after saving a checkpoint; rerun with ``resume=True`` to continue.

    Attributes:
        checkpoint: The checkpoint written at the stop.
        step: The optimizer step it holds.
    """

    def __init__(self, checkpoint: Path | None, step: int):
        self.checkpoint = checkpoint
        self.step = step
        where = f"checkpoint {checkpoint}" if checkpoint else "no checkpoint"
        super().__init__(f"training interrupted at step {step} ({where}); rerun with --resume to continue")
