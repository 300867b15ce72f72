"""The FollowIR reranking protocol: score each query's candidates under both instructions, then measure.

As in the paper and mteb: every query reranks only its ``top_ranked`` candidates, once with the original
instruction and once with the changed one. The candidates' embeddings come from an
:class:`~instructret.evaluation.cache.EmbeddingCache`, so each distinct document is encoded once across
both passes and all queries (and, with a cache directory, across runs). Queries go through the encoder's
template (:mod:`instructret.formatting`); documents are ``title + " " + text``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from instructret.encoder import InstructEncoder, QueryPlan
from instructret.evaluation.cache import EmbeddingCache, encode_documents_cached, model_fingerprint
from instructret.evaluation.dataset import FollowIRDataset
from instructret.evaluation.measures import MAP_1000, NDCG_5, P_MRR, PMRR_QUERIES, json_ready, mean
from instructret.evaluation.metrics import ir_metrics, pmrr_per_query
from instructret.progress import progress_bar

#: Runs keep this many candidates per query, as mteb does (its largest k).
TOP_K = 1000

#: The IR measures of each run (p-MRR compares the two runs).
RUN_MEASURES = (MAP_1000, NDCG_5)


@dataclass
class FollowIRResult:
    """Scores of one model on one FollowIR set. Values are raw fractions, as mteb reports them (x100 to display).

    Scores are keyed by the names in :mod:`instructret.evaluation.measures`; an undefined p-MRR is NaN.

    Attributes:
        dataset: Dataset name.
        scores: ``{"p-MRR", "MAP@1000", "nDCG@5"}``: p-MRR (mean over the queries with changed documents),
            then MAP@1000 (official for Robust04 and Core17) and nDCG@5 (official for News21) of the
            og-instruction run.
        per_query: Query id -> the same three (p-MRR is NaN for a query without changed documents).
        changed: MAP@1000 and nDCG@5 of the changed-instruction run against the changed judgments.
        counts: Dataset counts (queries, candidates, changed documents, ...), plus ``scored_pmrr`` and
            ``scored_og`` (the queries the p-MRR and the og MAP/nDCG means are taken over; ``scored_pmrr``
            0: p-MRR is undefined) and ``excluded_rows`` (rows left out for dangling references; listed in
            ``excluded``).
        excluded: The dataset's exclusions (see :mod:`~instructret.evaluation.dangling_rows`), as dicts.
        timings: Seconds spent encoding documents, encoding queries, and scoring.
        docs_encoded: Distinct document texts the model encoded in this call (0 when all were cached).
        docs_cached: Distinct candidate document texts served from the cache.
        splits: Query id -> ``{"og": split, "changed": split}``: how each instruction was read (``{"wanted",
            "excluded"}``), None where the instruction was not split (exclusion weight 0).
        og_run: ``{query: {doc: score}}`` under the original instruction (not in :meth:`to_dict`).
        changed_run: The same under the changed instruction (not in :meth:`to_dict`).
    """

    dataset: str
    scores: dict[str, float]
    per_query: dict[str, dict[str, float]]
    changed: dict[str, float]
    counts: dict[str, int]
    timings: dict[str, float]
    docs_encoded: int
    docs_cached: int
    excluded: list[dict[str, Any]] = field(default_factory=list)
    splits: dict[str, dict[str, Any]] = field(default_factory=dict)
    og_run: dict[str, dict[str, float]] = field(repr=False, default_factory=dict)
    changed_run: dict[str, dict[str, float]] = field(repr=False, default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every metric (raw fractions, undefined ones ``None``), per query too, no runs."""
        out = asdict(self)
        out.pop("og_run")
        out.pop("changed_run")
        return json_ready({"dataset": out.pop("dataset"), **out.pop("scores"), **out})


def _top(scores: np.ndarray, doc_ids: list[str], k: int) -> dict[str, float]:
    if len(doc_ids) > k:  # keep the k best, as mteb's top-k heap does
        keep = np.argpartition(-scores, k - 1)[:k]
        return {doc_ids[i]: float(scores[i]) for i in keep}
    return {d: float(s) for d, s in zip(doc_ids, scores, strict=True)}


def _split_record(plan: QueryPlan) -> dict[str, list[str]] | None:
    return None if plan.split is None else plan.split.to_dict()


def _judged(qrels: dict[str, dict[str, int]], qids: list[str]) -> dict[str, dict[str, int]]:
    return {q: qrels[q] for q in qids if qrels.get(q)}


def evaluate_followir(
    encoder: InstructEncoder,
    dataset: FollowIRDataset,
    cache_dir: str | Path | None = None,
    show_progress: bool = True,
    cache: EmbeddingCache | None = None,
    top_k: int = TOP_K,
) -> FollowIRResult:
    """Rerank every query's candidates under both instructions and compute p-MRR, MAP@1000 and nDCG@5.

    Args:
        encoder: The model, with its query template.
        dataset: A loaded FollowIR set (see :func:`~instructret.evaluation.loaders.load_followir`).
        cache_dir: Persist document embeddings here (keyed by model identity), so a rerun skips encoding.
        show_progress: Show progress bars.
        cache: An existing cache to share across datasets (overrides ``cache_dir``).
        top_k: Candidates kept per query and run (mteb keeps 1000).

    Returns:
        A :class:`FollowIRResult`.

    Example:
        >>> enc = InstructEncoder("minilm")  # doctest: +SKIP
        >>> res = evaluate_followir(enc, load_followir("robust04"), cache_dir="~/.cache/instructret")  # doctest: +SKIP
        >>> print(f"p-MRR {100 * res.scores['p-MRR']:.2f}")  # doctest: +SKIP
    """
    if cache is None:
        cache = EmbeddingCache(model_fingerprint(encoder), Path(cache_dir).expanduser() if cache_dir else None,
                               description={"model": encoder.model_name, "path": str(encoder.model_path)})
    timings: dict[str, float] = {}
    qids = dataset.evaluated_query_ids
    doc_ids = dataset.candidate_ids()
    position = {d: i for i, d in enumerate(doc_ids)}

    t0 = time.perf_counter()
    doc_matrix, n_encoded, n_distinct = encode_documents_cached(
        encoder, [dataset.doc_text(d) for d in doc_ids], cache, show_progress, f"{dataset.name}: encoding documents"
    )
    timings["encode_documents_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    queries = [dataset.queries[q] for q in qids]
    texts = [q.text for q in queries] * 2
    instructions = [q.instruction_og for q in queries] + [q.instruction_changed for q in queries]
    plans = encoder.plan_queries(texts, instructions)
    with progress_bar(f"{dataset.name}: encoding queries", total=len(texts), disable=not show_progress) as advance:
        query_matrix = encoder.encode_plans(plans)
        advance(len(texts))
    splits = {qid: {"og": _split_record(plans[i]), "changed": _split_record(plans[len(qids) + i])}
              for i, qid in enumerate(qids)}
    timings["encode_queries_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    og_run: dict[str, dict[str, float]] = {}
    changed_run: dict[str, dict[str, float]] = {}
    for i, qid in enumerate(qids):
        cands = dataset.top_ranked[qid]
        cand_matrix = doc_matrix[[position[d] for d in cands]]
        og_run[qid] = _top(cand_matrix @ query_matrix[i], cands, top_k)
        changed_run[qid] = _top(cand_matrix @ query_matrix[len(qids) + i], cands, top_k)

    # like mteb, a pass only counts for queries judged under its instruction (mteb drops a query id with
    # no judgments before ranking, so its p-MRR term never forms)
    per_pmrr = pmrr_per_query({q: r for q, r in og_run.items() if dataset.qrels_og.get(q)},
                              {q: r for q, r in changed_run.items() if dataset.qrels_changed.get(q)},
                              dataset.changed_docs)
    # only the queries that were run are scored (as pytrec_eval in mteb): ir_measures would add a 0 for every
    # judged query missing from the run, and the means would no longer be those of per_query
    og = ir_metrics(_judged(dataset.qrels_og, qids), og_run, RUN_MEASURES)
    changed = ir_metrics(_judged(dataset.qrels_changed, qids), changed_run, RUN_MEASURES)
    timings["score_s"] = time.perf_counter() - t0

    nan = float("nan")
    per_query = {
        qid: {P_MRR: per_pmrr.get(qid, nan), **{m: og[m].get(qid, nan) for m in RUN_MEASURES}} for qid in qids
    }
    return FollowIRResult(
        dataset=dataset.name,
        scores={P_MRR: mean(per_pmrr), **{m: mean(og[m]) for m in RUN_MEASURES}},
        per_query=per_query,
        changed={m: mean(changed[m]) for m in RUN_MEASURES},
        counts={**dataset.summary(), PMRR_QUERIES: len(per_pmrr), "scored_og": len(og[MAP_1000]),
                "excluded_rows": sum(e.rows for e in dataset.excluded)},
        timings=timings,
        docs_encoded=n_encoded,
        docs_cached=n_distinct - n_encoded,
        excluded=[e.as_dict() for e in dataset.excluded],
        og_run=og_run,
        changed_run=changed_run,
        splits=splits,
    )
