"""Rich renderings shared by CLI commands."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from instructret.index import Hit


def snippet(text: str, width: int = 90) -> str:
    """One-line preview of a document."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def hits_table(hits: Sequence[Hit], title: str = "") -> Table:
    """A ranked table of search hits."""
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("id")
    table.add_column("score", justify="right")
    table.add_column("text")
    for rank, h in enumerate(hits, start=1):
        table.add_row(str(rank), h.id, f"{h.score:.3f}", snippet(h.text))
    return table
