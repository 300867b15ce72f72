"""Trainer callbacks: the project's own training progress, and a clean stop on Ctrl-C.

transformers reports training with a tqdm bar and raw ``{'loss': ...}`` dicts (its ProgressCallback and
PrinterCallback); :class:`TrainingProgress` replaces both. On a terminal it draws a bar in the project's
rich display (:mod:`instructret.progress`) with the step, loss and last dev scores in its status; elsewhere
(a log file, CI) it writes one plain line per logging step; with ``show_progress=False``, nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

from transformers import TrainerCallback

from instructret.evaluation.measures import MEASURES, canonical_scores
from instructret.progress import is_interactive, progress_task, say

logger = logging.getLogger(__name__)

ProgressMode = Literal["bar", "lines", "off"]


def progress_mode(show: bool) -> ProgressMode:
    """``bar`` on a terminal, ``lines`` elsewhere, ``off`` when progress is not wanted."""
    if not show:
        return "off"
    return "bar" if is_interactive() else "lines"


def describe_scores(scores: Mapping[str, float]) -> str:
    """``p-MRR +10.48 · MAP@1000 46.60 · nDCG@5 51.46`` (x100) for the measures in ``scores``."""
    return " · ".join(f"{name} {MEASURES[name].format(value)}" for name, value in scores.items())


class TrainingProgress(TrainerCallback):
    """Training progress in the project's own output, instead of transformers' tqdm bar and dicts.

    Args:
        mode: ``bar`` (a rich bar), ``lines`` (a plain line per logging step) or ``off``.
        eval_prefix: Prefix of the dev evaluator's logged metrics (``eval_dev_``).
    """

    def __init__(self, mode: ProgressMode, eval_prefix: str = "eval_dev_"):
        self.mode = mode
        self.eval_prefix = eval_prefix
        self._stack = ExitStack()
        self._task: Any = None
        self._loss = ""
        self._dev = ""
        self._said_at: int | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:  # noqa: D102
        if self.mode == "off" or not state.is_world_process_zero:
            return
        if self.mode == "bar":
            self._task = self._stack.enter_context(
                progress_task("training", total=state.max_steps, completed=state.global_step)
            )
        else:
            start = f" from step {state.global_step}" if state.global_step else ""
            say(f"training: {state.max_steps} steps{start}")

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:  # noqa: D102
        if self._task is not None:
            self._task.update(completed=state.global_step)

    def on_log(  # noqa: D102
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if self.mode == "off" or not state.is_world_process_zero or not logs:
            return
        scores = canonical_scores(logs, prefix=self.eval_prefix)
        if "loss" in logs:
            lr = logs.get("learning_rate")
            self._loss = f"loss {float(logs['loss']):.4f}" + (f" · lr {float(lr):.2g}" if lr is not None else "")
            line = self._loss
        elif scores:
            self._dev = "dev " + describe_scores(scores)
            line = self._dev
        else:
            return  # the end-of-training summary: the caller reports it
        if self._task is not None:
            self._task.update(status=" · ".join(s for s in (self._loss, self._dev) if s))
        else:
            say(f"step {state.global_step}/{state.max_steps}: {line}")
            self._said_at = state.global_step

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:  # noqa: D102
        if self.mode == "lines" and state.is_world_process_zero and self._said_at != state.global_step:
            say(f"step {state.global_step}/{state.max_steps}: done")  # the last step is rarely a logging step
        self.close()

    def close(self) -> None:
        """Take the bar down (also after an interrupted run, which never reaches ``on_train_end``)."""
        self._stack.close()
        self._task = None


class StopOnRequest(TrainerCallback):
    """Ends training cleanly after the current step, with a checkpoint, once :attr:`requested` is set."""

    def __init__(self) -> None:
        self.requested = False
        self.stopped_at: int | None = None

    def _agreed(self, args: Any) -> bool:
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return self.requested
        import torch

        flag = torch.tensor([int(self.requested)], device=args.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)  # every process stops at the same step
        return bool(flag.item())

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:  # noqa: D102
        if self._agreed(args):
            self.stopped_at = state.global_step
            control.should_save = True
            control.should_training_stop = True
        return control


@contextmanager
def stop_on_sigint(stop: StopOnRequest) -> Iterator[None]:
    """While active, the first Ctrl-C asks ``stop`` to checkpoint and end; a second one aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.requested:
            signal.default_int_handler(signum, frame)
        stop.requested = True
        logger.warning("Ctrl-C: saving a checkpoint after this step (press Ctrl-C again to abort now)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
