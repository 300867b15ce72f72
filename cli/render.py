"""Rich renderings shared by CLI commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table

from instructret.evaluation.measures import MEASURES
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


def scores_table(rows: Mapping[str, Mapping[str, float] | None], title: str = "") -> Table:
    """FollowIR scores x100, one column per measure (in report order), one row per model; ``-`` if absent."""
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for measure in MEASURES.values():
        table.add_column(measure.label, justify="right")
    for label, scores in rows.items():
        table.add_row(label, *(m.format(scores[n]) if n in (scores or {}) else "-" for n, m in MEASURES.items()))
    return table
