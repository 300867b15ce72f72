"""Progress for long work: rich bars on a terminal, plain lines where wanted, switched off cleanly.

Rich shows one live display at a time, so a bar opened while another is showing (the dev evaluation
inside training, say) joins the running display as one more row and leaves it when done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_lock = threading.Lock()
_live: Progress | None = None


def console() -> Console:
    """The console every progress display and progress line writes to (stdout)."""
    from rich import get_console

    return get_console()


def is_interactive() -> bool:
    """Whether progress can be drawn as live bars (a terminal), rather than written as plain lines."""
    return console().is_terminal


def say(text: str) -> None:
    """Write one plain progress line (above a live display, if one is showing)."""
    console().print(text, markup=False, highlight=False, soft_wrap=True)


def make_progress(disable: bool = False) -> Progress:
    """A rich progress display with count, status, elapsed and remaining time."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console(),
        disable=disable,
        transient=False,
    )


class ProgressTask:
    """One bar of a display (or nothing, when disabled)."""

    def __init__(self, progress: Progress | None, task: TaskID | None):
        self._progress = progress
        self._task = task

    def update(
        self, *, advance: float = 0, completed: float | None = None, total: float | None = None,
        status: str | None = None,
    ) -> None:
        """Move the bar by ``advance`` or to ``completed``; set its total or its status text."""
        if self._progress is None or self._task is None:
            return
        fields = {"status": status} if status is not None else {}
        self._progress.update(self._task, advance=advance or None, completed=completed, total=total, **fields)


@contextmanager
def progress_task(
    description: str, total: float | None, disable: bool = False, completed: float = 0
) -> Iterator[ProgressTask]:
    """Show one progress bar for the duration of the block; yields its :class:`ProgressTask`.

    Args:
        description: Shown left of the bar.
        total: Steps in all (None: unknown).
        disable: Show nothing (the task's updates do nothing).
        completed: Steps already done (a resumed run).
    """
    global _live
    if disable:
        yield ProgressTask(None, None)
        return
    with _lock:
        outer = _live
        if outer is None:
            _live = make_progress()
    if outer is not None:  # join the display that is showing
        task = outer.add_task(description, total=total, completed=completed, status="")
        try:
            yield ProgressTask(outer, task)
        finally:
            outer.remove_task(task)
        return
    progress = _live
    assert progress is not None
    try:
        with progress:
            yield ProgressTask(progress, progress.add_task(description, total=total, completed=completed, status=""))
    finally:
        with _lock:
            _live = None


@contextmanager
def progress_bar(description: str, total: int | None, disable: bool = False) -> Iterator[Callable[..., None]]:
    """Show one progress bar; yields ``advance(n=1, status="")``.

    Example:
        >>> with progress_bar("indexing", total=3, disable=True) as advance:
        ...     for _ in range(3):
        ...         advance()
    """
    with progress_task(description, total, disable) as task:

        def advance(n: int = 1, status: str = "") -> None:
            task.update(advance=n, status=status)

        yield advance
