"""FollowIR metrics: p-MRR exactly as mteb computes it, and standard IR measures through ``ir_measures``.

p-MRR (Weller et al. 2024) compares, for every document whose relevance changed, its rank under the
original instruction with its rank under the changed one. This module follows mteb's
``calculate_pmrr`` / ``rank_score`` / ``get_rank_from_dict`` (``mteb._evaluators.retrieval_metrics``)
rule for rule, so the numbers are the leaderboard's:

- a query's ranking sorts its run by ``(score, doc_id)``, both descending, so ties go to the larger id;
- a changed document missing from a run gets rank ``len(run) + 1``;
- per document: ``og/new - 1`` (in reciprocal ranks) if the document rose or stayed, else ``1 - new/og``;
- the mean over a query's changed documents, then the mean over queries; a query with no changed
  documents, or missing from either run, does not count.

When no query counts, p-MRR is undefined: :func:`pmrr` returns NaN (mteb raises) and reports say how many
queries counted (the rule is in :mod:`instructret.evaluation.measures`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from instructret.errors import InstructretError
from instructret.evaluation.measures import MAP_1000, MEASURES, NDCG_5
from instructret.evaluation.measures import mean as _mean

#: ``{query_id: {doc_id: score}}``
Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]


def ranks(run: Mapping[str, float]) -> dict[str, int]:
    """1-based rank of every document in one query's run, ties broken by doc id descending (as mteb)."""
    order = sorted(run.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return {doc: i for i, (doc, _) in enumerate(order, start=1)}


def rank_score(og_rank: int, new_rank: int) -> float:
    """The per-document p-MRR term (mteb's rank_score): positive when the document moved down when changed."""
    if og_rank >= new_rank:
        return (1 / og_rank) / (1 / new_rank) - 1
    return 1 - (1 / new_rank) / (1 / og_rank)


def pmrr_per_query(original_run: Run, new_run: Run, changed_docs: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """p-MRR of each query that has changed documents and appears in both runs.

    Args:
        original_run: Scores under the original instruction, keyed by plain query id (no ``-og`` suffix).
        new_run: Scores under the changed instruction, same keys.
        changed_docs: Query id -> documents whose relevance changed.

    Returns:
        Query id -> the mean of :func:`rank_score` over its changed documents.
    """
    out: dict[str, float] = {}
    for qid, docs in changed_docs.items():
        if not docs or qid not in original_run or qid not in new_run:
            continue
        og, new = original_run[qid], new_run[qid]
        og_ranks, new_ranks = ranks(og), ranks(new)
        terms = [rank_score(og_ranks.get(d, len(og) + 1), new_ranks.get(d, len(new) + 1)) for d in docs]
        out[qid] = math.fsum(terms) / len(terms)
    return out


def pmrr(original_run: Run, new_run: Run, changed_docs: Mapping[str, Sequence[str]]) -> float:
    """p-MRR over a whole run pair: the mean of :func:`pmrr_per_query` (a raw fraction; x100 for display).

    Returns NaN when no query has a changed document and a run under both instructions (p-MRR is then
    undefined; mteb raises on the same input).

    Example:
        >>> og = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
        >>> new = {"q": {"a": 1.0, "b": 2.0, "c": 3.0}}  # the changed doc "a" fell from 1st to 3rd
        >>> round(pmrr(og, new, {"q": ["a"]}), 4)
        0.6667
    """
    return _mean(pmrr_per_query(original_run, new_run, changed_docs))


def ir_metrics(
    qrels: Qrels, run: Run, measures: Sequence[str] = (MAP_1000, NDCG_5)
) -> dict[str, dict[str, float]]:
    """Standard IR measures per query, computed by ``ir_measures`` (trec_eval semantics via pytrec_eval).

    Args:
        qrels: Judgments, ``{query: {doc: relevance}}``.
        run: Scores, ``{query: {doc: score}}``.
        measures: Names in :data:`~instructret.evaluation.measures.MEASURES` (``"MAP@1000"`` is computed
            as ``ir_measures``' ``AP@1000``), or ``ir_measures`` names such as ``"P@10"``.

    Returns:
        Measure name as given -> ``{query_id: value}`` for the queries in both ``qrels`` and ``run`` (as
        trec_eval).
    """
    try:
        import ir_measures
    except ImportError as exc:
        raise InstructretError("MAP and nDCG need ir-measures: pip install 'instructret[bench]'") from exc

    known = {name: m.ir_measure for name, m in MEASURES.items() if m.ir_measure}
    parsed = {ir_measures.parse_measure(known.get(m, m)): m for m in measures}
    qrels_in = {q: dict(d) for q, d in qrels.items()}
    run_in = {q: {d: float(s) for d, s in docs.items()} for q, docs in run.items() if docs}
    out: dict[str, dict[str, float]] = {m: {} for m in measures}
    for metric in ir_measures.iter_calc(list(parsed), qrels_in, run_in):
        out[parsed[metric.measure]][metric.query_id] = float(metric.value)
    return out
