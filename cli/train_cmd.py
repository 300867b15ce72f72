"""``instructret train``: dual-view fine-tuning."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from instructret.cli.common import DeviceOpt, ModelOpt, TemplateOpt, console, err_console, user_errors
from instructret.encoder import DEFAULT_MODEL
from instructret.errors import InstructretError

__all__ = ["register"]


class ViewsChoice(StrEnum):
    """Which views of each pair to train on."""

    dual = "dual"
    original = "original"


class PrecisionChoice(StrEnum):
    """Floating-point precision of training."""

    auto = "auto"
    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"


def _styles(spec: str | None) -> tuple[str, ...] | None:
    if spec is None:
        return None
    names = tuple(dict.fromkeys(s.strip() for s in spec.split(",") if s.strip()))
    if not names:
        raise InstructretError("--styles needs at least one style name, e.g. --styles short,narrative")
    return names


def _metrics_table(before: dict[str, float] | None, after: dict[str, float] | None) -> Table:
    table = Table(title="dev set (x100)")
    table.add_column("metric")
    table.add_column("base model", justify="right")
    table.add_column("trained", justify="right")
    for key in (after or before or {}):
        b = (before or {}).get(key)
        a = (after or {}).get(key)
        table.add_row(key, f"{100 * b:.2f}" if b is not None else "-", f"{100 * a:.2f}" if a is not None else "-")
    return table


def register(app: typer.Typer) -> None:
    """Add the train command to ``app``."""

    @app.command("train")
    @user_errors
    def train(
        pairs: Annotated[list[Path], typer.Argument(help="Dual-view pairs JSONL file(s) (from `instructret synth`).")],
        output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the trained model.")],
        model: ModelOpt = DEFAULT_MODEL,
        views: Annotated[
            ViewsChoice, typer.Option(help="dual: both views of each pair in one batch; original: view A only.")
        ] = ViewsChoice.dual,
        general: Annotated[
            Path | None, typer.Option(help="General (instruction-free) pairs JSONL mixed in for topical quality.")
        ] = None,
        general_ratio: Annotated[
            float | None, typer.Option(help="General pairs per dual-view pair, drawn afresh each epoch [default: 3].")
        ] = None,
        explicit_negatives: Annotated[
            bool, typer.Option(help="Add the other view's document as an explicit negative column (views are then "
                                    "batched apart).")
        ] = False,
        styles: Annotated[
            str | None, typer.Option(help="Instruction styles to draw from, one per view per epoch, e.g. "
                                          "'short,narrative' ('original' = the pair's own instructions).")
        ] = None,
        style_mix: Annotated[
            bool, typer.Option(help="Draw one style per view per epoch from every style the pairs have.")
        ] = False,
        epochs: Annotated[float, typer.Option(help="Training epochs.")] = 2.0,
        max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps (overrides --epochs).")] = None,
        batch_size: Annotated[int, typer.Option(help="Rows per batch per device (even with dual views).")] = 32,
        lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 5e-6,
        warmup: Annotated[float, typer.Option(help="Warmup as a fraction of all steps.")] = 0.1,
        weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = 0.01,
        max_seq_length: Annotated[
            int | None, typer.Option(help="Truncate training inputs to this many tokens (the saved model keeps its "
                                          "own limit).")
        ] = None,
        precision: Annotated[
            PrecisionChoice, typer.Option(help="auto: bf16 (or fp16) on GPU, fp32 on CPU.")
        ] = PrecisionChoice.auto,
        seed: Annotated[int, typer.Option(help="Seed for data order, style and general draws.")] = 42,
        gradient_checkpointing: Annotated[bool, typer.Option(help="Save memory at some compute cost.")] = False,
        cached: Annotated[
            bool, typer.Option(help="CachedMultipleNegativesRankingLoss: large batches on small memory.")
        ] = False,
        mini_batch_size: Annotated[int, typer.Option(help="Mini-batch size of --cached.")] = 32,
        scale: Annotated[float, typer.Option(help="Loss similarity scale (1 / temperature).")] = 20.0,
        gather_across_devices: Annotated[
            bool, typer.Option(help="Multi-GPU: use every device's documents as in-batch negatives.")
        ] = False,
        save_steps: Annotated[int, typer.Option(help="Write a resumable checkpoint every N steps.")] = 500,
        save_total_limit: Annotated[int, typer.Option(help="Checkpoints kept.")] = 2,
        keep_checkpoints: Annotated[bool, typer.Option(help="Keep OUTPUT/checkpoints after a finished run.")] = False,
        eval_dir: Annotated[
            Path | None, typer.Option(help="FollowIR-format dev directory: log p-MRR and og MAP@1000.")
        ] = None,
        eval_steps: Annotated[int | None, typer.Option(help="Evaluate every N steps [default: --save-steps].")] = None,
        logging_steps: Annotated[int, typer.Option(help="Log the loss every N steps.")] = 10,
        resume: Annotated[bool, typer.Option(help="Continue from the latest checkpoint in OUTPUT.")] = False,
        overwrite: Annotated[
            bool, typer.Option(help="Start over even if OUTPUT holds a model or checkpoints.")
        ] = False,
        template: TemplateOpt = None,
        device: DeviceOpt = None,
        progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    ) -> None:
        """Fine-tune an encoder on dual-view pairs so that it follows instructions.

        Defaults are the gentle recipe (lr 5e-6, 2 epochs); pass --general to keep topical quality.
        Ctrl-C saves a checkpoint; rerun with --resume to continue. Multi-GPU: run the same command under
        `torchrun --nproc_per_node N -m instructret.cli.app train ...` or `accelerate launch`.
        """
        from instructret.training import TrainConfig, TrainingInterrupted, is_main_process, train_dual_view

        if general_ratio is not None and general is None:
            raise InstructretError("--general-ratio needs --general PATH")
        config = TrainConfig(
            pairs=pairs,
            output_dir=output,
            model=model,
            views=views.value,
            general=general,
            general_ratio=3.0 if general_ratio is None else general_ratio,
            explicit_negatives=explicit_negatives,
            styles=_styles(styles),
            style_mix=style_mix,
            epochs=epochs,
            max_steps=max_steps,
            batch_size=batch_size,
            lr=lr,
            warmup_ratio=warmup,
            weight_decay=weight_decay,
            max_seq_length=max_seq_length,
            precision=precision.value,
            seed=seed,
            gradient_checkpointing=gradient_checkpointing,
            cached=cached,
            mini_batch_size=mini_batch_size,
            scale=scale,
            gather_across_devices=gather_across_devices,
            save_steps=save_steps,
            save_total_limit=save_total_limit,
            keep_checkpoints=keep_checkpoints,
            eval_dir=eval_dir,
            eval_steps=eval_steps,
            logging_steps=logging_steps,
            resume=resume,
            overwrite=overwrite,
            template=template,
            device=device,
            show_progress=progress,
        )
        try:
            result = train_dual_view(config)
        except TrainingInterrupted as exc:
            err_console.print(f"interrupted: {exc}", highlight=False, soft_wrap=True)
            sys.exit(130)
        if not is_main_process():
            return  # under torchrun / accelerate launch, only the main process reports
        stats = result.data
        console.print(
            f"trained {result.global_step} steps ({result.epochs:.2f} epochs) on {stats.pairs} dual-view pairs "
            f"and {stats.general_per_epoch} general pairs per epoch; model saved to {result.output_dir}"
        )
        if result.train_loss is not None and result.train_steps_per_second:
            console.print(f"mean loss {result.train_loss:.4f}, {result.train_steps_per_second:.2f} steps/s")
        if result.dev_after:
            console.print(_metrics_table(result.dev_before, result.dev_after))
