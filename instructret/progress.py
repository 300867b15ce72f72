"""Progress bars for long work (rich), switched off cleanly when not wanted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def make_progress(disable: bool = False) -> Progress:
    """A rich progress display with count, elapsed and remaining time."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=disable,
        transient=False,
    )


@contextmanager
def progress_bar(description: str, total: int | None, disable: bool = False) -> Iterator[Callable[..., None]]:
    """Show one progress bar; yields ``advance(n=1, status="")``.

    Example:
        >>> with progress_bar("indexing", total=3, disable=True) as advance:
        ...     for _ in range(3):
        ...         advance()
    """
    progress = make_progress(disable)
    with progress:
        task = progress.add_task(description, total=total, status="")

        def advance(n: int = 1, status: str = "") -> None:
            progress.update(task, advance=n, status=status)

        yield advance
