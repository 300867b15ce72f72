"""p-MRR against hand values and against mteb itself; MAP@1000 / nDCG@5 against hand values and mteb's pytrec_eval."""

from __future__ import annotations

import logging
import math
import random

import pytest
from followir_helpers import TINY, scores_from_ranking, tiny_expected

# mteb keeps its FollowIR metric functions in a private module; this is where they live in mteb 2.x
# (mteb/_evaluators/retrieval_metrics.py). The import path is part of what this test pins.
from mteb._evaluators.retrieval_metrics import calculate_pmrr, calculate_retrieval_scores

from instructret.evaluation import ir_metrics, load_followir, pmrr, pmrr_per_query, rank_score
from instructret.evaluation.metrics import ranks


def test_rank_score_matches_the_formula():
    assert rank_score(1, 3) == pytest.approx(2 / 3)  # moved down: positive
    assert rank_score(4, 1) == pytest.approx(-3 / 4)  # moved up: negative
    assert rank_score(2, 2) == 0.0


def test_ranks_break_ties_by_doc_id_descending():
    assert ranks({"a": 1.0, "c": 1.0, "b": 2.0, "d": 0.5}) == {"b": 1, "c": 2, "a": 3, "d": 4}


def test_missing_document_ranks_after_the_run():
    og = {"q": {"a": 2.0, "b": 1.0}}
    new = {"q": {"b": 1.0, "c": 0.5}}  # "a" vanished: rank len + 1 = 3
    assert pmrr(og, new, {"q": ["a"]}) == pytest.approx(1 - (1 / 3) / (1 / 1))


def test_fixture_values_by_hand():
    exp = tiny_expected()
    og = {q: scores_from_ranking(r) for q, r in exp["rankings"]["og"].items()}
    new = {q: scores_from_ranking(r) for q, r in exp["rankings"]["changed"].items()}
    per_query = pmrr_per_query(og, new, exp["changed_docs"])
    assert per_query == pytest.approx({q: v["p-MRR"] for q, v in exp["per_query"].items() if v["p-MRR"] is not None})
    assert "q3" not in per_query  # no changed documents: not counted, as in mteb
    assert pmrr(og, new, exp["changed_docs"]) == pytest.approx(exp["p-MRR"], abs=1e-12)

    got = ir_metrics(load_followir(TINY).qrels_og, og)
    assert got["MAP@1000"] == pytest.approx({q: v["MAP@1000"] for q, v in exp["per_query"].items()}, abs=1e-12)
    assert got["nDCG@5"] == pytest.approx({q: v["nDCG@5"] for q, v in exp["per_query"].items()}, abs=1e-12)


def test_undefined_pmrr_is_nan_not_an_error():
    assert math.isnan(pmrr({"q": {"a": 1.0}}, {"q": {"a": 1.0}}, {"q": []}))
    assert math.isnan(pmrr({"q": {"a": 1.0}}, {}, {"q": ["a"]}))  # missing from one run


def _random_case(rng: random.Random):
    """Runs with ties, missing documents, queries without changes and queries missing from a run."""
    pool = [f"d{i}" for i in range(rng.randint(2, 25))]  # "d10" < "d9" as strings: tie order is by id
    tie_levels = rng.choice([None, 3, 6])
    og, new, changed = {}, {}, {}

    def score() -> float:
        return float(rng.randint(0, tie_levels)) / tie_levels if tie_levels else rng.random()

    for q in range(rng.randint(1, 6)):
        qid = f"q{q}"
        if rng.random() > 0.1:
            og[qid] = {d: score() for d in rng.sample(pool, rng.randint(1, len(pool)))}
        if rng.random() > 0.1:
            new[qid] = {d: score() for d in rng.sample(pool, rng.randint(1, len(pool)))}
        # changed docs may be absent from one or both runs; some queries have none
        changed[qid] = rng.sample(pool, rng.randint(0, min(5, len(pool))))
    if rng.random() < 0.2:
        changed["ghost"] = [pool[0]]  # a query in neither run
    return og, new, changed


def test_pmrr_equals_mteb_on_randomized_runs(caplog):
    caplog.set_level(logging.ERROR, logger="mteb")  # mteb warns about every query missing from a run
    rng = random.Random(20240315)
    compared = undefined = 0
    for case in range(300):
        og, new, changed = _random_case(rng)
        og_mteb = {f"{q}-og": docs for q, docs in og.items()}
        new_mteb = {f"{q}-changed": docs for q, docs in new.items()}
        try:
            expected = float(calculate_pmrr(og_mteb, new_mteb, changed))
        except (ValueError, KeyError):  # mteb fails when no changed document is scorable
            assert math.isnan(pmrr(og, new, changed))
            undefined += 1
            continue
        got = pmrr(og, new, changed)
        assert math.isclose(got, expected, rel_tol=0, abs_tol=1e-9), (case, got, expected)
        compared += 1
    assert compared >= 200 and undefined >= 1


def test_map_and_ndcg_equal_mteb_pytrec_eval_on_randomized_runs():
    # 200 random runs with ties and graded judgments, as one batch of queries (one call each way)
    rng = random.Random(7)
    run, qrels = {}, {}
    for case in range(200):
        pool = [f"d{i}" for i in range(rng.randint(2, 40))]
        levels = rng.choice([None, 4])
        qid = f"case{case}"
        run[qid] = {d: (rng.randint(0, levels) / levels if levels else rng.random())
                    for d in rng.sample(pool, rng.randint(1, len(pool)))}
        qrels[qid] = {d: rng.choice([0, 1, 1, 2]) for d in rng.sample(pool, rng.randint(1, len(pool)))}
    ours = ir_metrics(qrels, run)
    per_query = calculate_retrieval_scores(run, qrels, [1, 5, 1000])[0]
    assert set(ours["MAP@1000"]) == set(per_query) and len(per_query) == 200
    assert ir_metrics(qrels, run, ["AP@1000"])["AP@1000"] == ours["MAP@1000"]  # ir_measures names work too
    for qid, values in per_query.items():
        assert math.isclose(ours["MAP@1000"][qid], values["map_cut_1000"], abs_tol=1e-12), qid
        assert math.isclose(ours["nDCG@5"][qid], values["ndcg_cut_5"], abs_tol=1e-12), qid
