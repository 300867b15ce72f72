"""``instructret train``: dual-view fine-tuning. Its options are the fields of ``TrainConfig``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from instructret.cli.common import console, err_console, user_errors
from instructret.cli.options import DataclassOptions, with_options
from instructret.cli.render import scores_table
from instructret.training.config import TrainConfig

__all__ = ["TRAIN_OPTIONS", "register"]

#: Every TrainConfig field is an option of `instructret train` (defaults and help from the class); these
#: are the ones with a name or short alias of their own.
TRAIN_OPTIONS = DataclassOptions(
    TrainConfig,
    exclude=("pairs",),  # the positional argument
    names={
        "output_dir": ("--output", "-o"),
        "model": ("--model", "-m"),
        "warmup_ratio": "--warmup",
        "show_progress": "--progress/--no-progress",
    },
    notes={"general_ratio": "Applies to general pairs in the pairs file (kind general) and in --general."},
)


def register(app: typer.Typer) -> None:
    """Add the train command to ``app``."""

    @app.command("train")
    @user_errors
    @with_options(settings=TRAIN_OPTIONS)
    def train(
        pairs: Annotated[list[Path], typer.Argument(help="Dual-view pairs JSONL file(s) (from `instructret synth`).")],
        settings: dict[str, Any],
    ) -> None:
        """Fine-tune an encoder on dual-view pairs so that it follows instructions.

        Defaults are the recommended recipe: split-aware, every instruction style, one general pair per
        dual-view pair (rows of kind general in the pairs file, or --general), 30 steps of batch 16 at lr 4e-5.
        Ctrl-C saves a checkpoint; rerun with --resume to continue. Multi-GPU: run the same command under
        `torchrun --nproc_per_node N -m instructret.cli.app train ...` or `accelerate launch`.
        """
        from instructret.training import TrainingInterrupted, is_main_process, train_dual_view

        try:
            result = train_dual_view(TrainConfig(pairs=pairs, **settings))
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
            console.print(scores_table({"base model": result.dev_before, "trained": result.dev_after},
                                       title="dev set (x100)"))
