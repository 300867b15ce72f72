"""The FollowIR measures by name: one spelling each, how they display, and the rule for an undefined p-MRR.

Every place that stores or shows a score uses these names: ``results.json`` keys and per-query entries,
the training evaluator's log keys (``eval_dev_p-MRR``), model cards, the quickstart and the ablation's
files. They are the names of the published tables and of ``ir_measures`` (``nDCG@5``); MAP@1000 is the
mean over queries of ``ir_measures``' ``AP@1000``. Like ``ir_measures``, the measures are registered
(:data:`MEASURES`), not switch-cased.

**Undefined p-MRR.** p-MRR averages over the queries that have a changed document ranked under both
instructions. With none it is undefined: NaN in memory (always a float, never an exception), ``null`` in
JSON (:func:`json_ready`) and ``n/a`` in tables (:meth:`Measure.format`); every result also states how many
queries its p-MRR averages over (``counts["scored_pmrr"]``), so an undefined value says why. A mean over
datasets is undefined when any dataset's value is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Pairwise MRR: how far a document moves when its relevance changes with the instruction (mteb's rule).
P_MRR = "p-MRR"
#: Mean average precision of the top 1000, on the original-instruction run.
MAP_1000 = "MAP@1000"
#: nDCG of the top 5, on the original-instruction run.
NDCG_5 = "nDCG@5"

#: Key of ``counts`` that says how many queries a p-MRR averages over (0: undefined).
PMRR_QUERIES = "scored_pmrr"


@dataclass(frozen=True)
class Measure:
    """One FollowIR measure.

    Attributes:
        name: The canonical name (a key in every results file).
        description: One line for reports.
        signed: Displayed with its sign (p-MRR is centred on 0; negative means the instruction is ignored).
        ir_measure: The ``ir_measures`` name that computes it per query, if it is a standard IR measure.
        run: ``"og"`` for a measure of the original-instruction run, ``"both"`` for one that compares the runs.
    """

    name: str
    description: str
    signed: bool = False
    ir_measure: str | None = None
    run: str = "og"

    @property
    def label(self) -> str:
        """Column label: the name, marked ``og`` when it scores the original-instruction run only."""
        return f"og {self.name}" if self.run == "og" else self.name

    def format(self, value: float | None) -> str:
        """``value`` x100 with two decimals (signed for p-MRR), or ``n/a`` when undefined."""
        if is_undefined(value):
            return "n/a"
        return f"{100 * value:+.2f}" if self.signed else f"{100 * value:.2f}"


#: The FollowIR measures, in report order.
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(P_MRR, "pairwise MRR: rank change of documents whose relevance changed", signed=True, run="both"),
        Measure(MAP_1000, "MAP@1000 of the original-instruction run", ir_measure="AP@1000"),
        Measure(NDCG_5, "nDCG@5 of the original-instruction run", ir_measure="nDCG@5"),
    )
}

#: Spellings that earlier versions wrote (training logs, ``instructret.json``, checkpoints), read back as
#: the canonical names.
LEGACY_NAMES = {
    "pmrr": P_MRR,
    "map_at_1000": MAP_1000,
    "og_map_at_1000": MAP_1000,
    "ndcg_at_5": NDCG_5,
    "og_ndcg_at_5": NDCG_5,
}


def is_undefined(value: float | None) -> bool:
    """Whether a score is undefined (NaN in memory, None once read back from JSON)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def canonical_name(key: str, prefix: str = "") -> str | None:
    """The canonical measure name of ``key`` (``prefix`` removed, legacy spellings mapped), else None.

    Example:
        >>> canonical_name("dev_pmrr", prefix="dev_"), canonical_name("eval_dev_p-MRR", prefix="eval_dev_")
        ('p-MRR', 'p-MRR')
    """
    if not key.startswith(prefix):
        return None
    name = key[len(prefix):]
    return name if name in MEASURES else LEGACY_NAMES.get(name)


def canonical_scores(scores: Mapping[str, float | None] | None, prefix: str = "") -> dict[str, float] | None:
    """The measures in ``scores`` under their canonical names, in report order, undefined ones as NaN.

    Args:
        scores: E.g. an evaluator's ``{"dev_p-MRR": ...}`` or an older file's ``{"dev_pmrr": ...}``.
        prefix: Removed from each key first (e.g. ``"dev_"``); keys without it are ignored.

    Returns:
        ``{name: value}`` for the measures found, or None for None.
    """
    if scores is None:
        return None
    found: dict[str, float] = {}
    for key, value in scores.items():
        name = canonical_name(key, prefix)
        if name is not None:
            found[name] = math.nan if is_undefined(value) else float(value)  # type: ignore[arg-type]
    return {name: found[name] for name in MEASURES if name in found}


def json_ready(obj: Any) -> Any:
    """``obj`` with every NaN replaced by None, so the JSON is standard (undefined scores become ``null``)."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def mean(values: Mapping[str, float] | list[float]) -> float:
    """Mean of per-query (or per-dataset) values: NaN for none, and NaN if any value is undefined."""
    vals = list(values.values()) if isinstance(values, Mapping) else list(values)
    return math.fsum(vals) / len(vals) if vals else math.nan
