"""Rows that point at a missing query or document are excluded, counted and reported; means stay honest."""

from __future__ import annotations

import json
import logging
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from followir_helpers import TINY, tiny_expected

from instructret.evaluation import MAP_1000, NDCG_5, P_MRR, evaluate_followir, load_followir, run_followir_benchmark
from instructret.evaluation.measures import is_undefined

DEMO = Path(__file__).resolve().parents[2] / "instructret" / "demo" / "data" / "followir"


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _append(path: Path, *rows: dict) -> int:
    """Append rows; returns the line number of the first one."""
    first = len(path.read_text().splitlines()) + 1
    with path.open("a") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return first


def _mean(values) -> float:
    values = [v for v in values if not is_undefined(v)]  # NaN in memory, None in results.json
    return math.fsum(values) / len(values)


def _assert_means_are_per_query_means(res) -> None:
    per = res.per_query
    assert len(per) == res.counts["queries"]
    for name in (MAP_1000, NDCG_5, P_MRR):
        assert res.scores[name] == pytest.approx(_mean(p[name] for p in per.values()), abs=1e-12)
    assert res.counts["scored_og"] == sum(not is_undefined(p[MAP_1000]) for p in per.values())
    assert res.counts["scored_pmrr"] == sum(not is_undefined(p[P_MRR]) for p in per.values())


def test_every_kind_of_dangling_row_is_excluded_and_reported(tmp_path, keywords):
    root = _copy(TINY, tmp_path / "set")
    phantom = _append(root / "qrels_og.jsonl", {"query-id": "phantom", "corpus-id": "kid3", "score": 1},
                      {"query-id": "ghost", "corpus-id": "kid3", "score": 1})
    unknown_doc = _append(root / "qrels_changed.jsonl", {"query-id": "q1", "corpus-id": "no-such-doc", "score": 1})
    top = _append(root / "top_ranked.jsonl", {"qid": "q2", "pid": "missing-pid"}, {"qid": "nobody", "pid": "kid3"})
    lonely = _append(root / "queries.jsonl", {"_id": "q9", "text": "alone", "instruction_og": "a",
                                              "instruction_changed": "b"})
    _append(root / "qrels_og.jsonl", {"query-id": "q9", "corpus-id": "kid3", "score": 1})  # judged, never run
    ds = load_followir(root)
    got = [e.as_dict() for e in ds.excluded]
    assert got == [
        {"table": "qrels_og", "reason": "query not in the queries table", "rows": 2, "example": "phantom",
         "where": str(root / "qrels_og.jsonl"), "line": phantom},
        {"table": "qrels_changed", "reason": "document not in the corpus", "rows": 1, "example": "no-such-doc",
         "where": str(root / "qrels_changed.jsonl"), "line": unknown_doc},
        {"table": "top_ranked", "reason": "document not in the corpus", "rows": 1, "example": "missing-pid",
         "where": str(root / "top_ranked.jsonl"), "line": top},
        {"table": "top_ranked", "reason": "query not in the queries table", "rows": 1, "example": "nobody",
         "where": str(root / "top_ranked.jsonl"), "line": top + 1},
        {"table": "queries", "reason": "query has no candidates in top_ranked", "rows": 1, "example": "q9",
         "where": str(root / "queries.jsonl"), "line": lonely},
    ]
    assert ds.excluded[0].message() == (f"{root / 'qrels_og.jsonl'}:{phantom}: 2 qrels_og rows excluded from "
                                        "scoring: query not in the queries table (first: 'phantom')")
    # what is left is the fixture itself, so the hand-computed numbers still hold
    res = evaluate_followir(keywords, ds, show_progress=False)
    exp = tiny_expected()
    assert res.scores[P_MRR] == pytest.approx(exp["p-MRR"], abs=1e-12)
    assert res.scores[MAP_1000] == pytest.approx(exp["MAP@1000"], abs=1e-12)
    assert res.scores[NDCG_5] == pytest.approx(exp["nDCG@5"], abs=1e-12)
    assert res.changed["MAP@1000"] == pytest.approx(exp["changed"]["MAP@1000"], abs=1e-12)
    assert res.counts["excluded_rows"] == 6 and res.excluded == got
    _assert_means_are_per_query_means(res)


def test_a_phantom_query_scores_as_in_mteb(tmp_path, keywords, caplog):
    # mteb's pipeline (pytrec_eval) scores only the queries it ran: the phantom judgment changes nothing
    from tests.support.mteb_parity import run_mteb_followir

    root = _copy(TINY, tmp_path / "set")
    _append(root / "qrels_og.jsonl", {"query-id": "phantom", "corpus-id": "kid3", "score": 1})
    _append(root / "qrels_changed.jsonl", {"query-id": "phantom", "corpus-id": "kid3", "score": 0})
    caplog.set_level(logging.ERROR, logger="mteb")
    theirs = run_mteb_followir(keywords.model, root)
    ours = evaluate_followir(keywords, load_followir(root), show_progress=False)
    assert ours.scores[P_MRR] == pytest.approx(theirs["p-MRR"], abs=1e-9)
    assert ours.scores[MAP_1000] == pytest.approx(theirs["og"]["map_at_1000"], abs=1e-5)
    assert ours.scores[NDCG_5] == pytest.approx(theirs["og"]["ndcg_at_5"], abs=1e-5)


def test_queries_without_judgments_or_changes_do_not_enter_the_means(tmp_path, keywords):
    root = _copy(TINY, tmp_path / "set")
    qrels = root / "qrels_og.jsonl"
    qrels.write_text("".join(line + "\n" for line in qrels.read_text().splitlines() if '"q2"' not in line))
    res = evaluate_followir(keywords, load_followir(root), show_progress=False)
    assert math.isnan(res.per_query["q2"][MAP_1000]) and res.counts["scored_og"] == 2
    _assert_means_are_per_query_means(res)


@pytest.mark.slow
def test_cli_on_the_demo_set_warns_and_reports_the_per_query_mean(tmp_path):
    root = _copy(DEMO, tmp_path / "demo")
    line = _append(root / "qrels_og.jsonl", {"query-id": "phantom", "corpus-id": "vortern", "score": 1})
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "instructret.cli.app", "bench", "followir", "--model", "minilm",
                        "--dataset", str(root), "--out", str(out), "--quiet", "--device", "cpu",
                        "--exclusion-weight", "0"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    warning = f"warning: demo: {root / 'qrels_og.jsonl'}:{line}: 1 qrels_og row excluded from scoring: " \
              "query not in the queries table (first: 'phantom')"
    assert warning in " ".join(r.stderr.split())
    entry = json.loads((out / "results.json").read_text())["datasets"]["demo"]
    assert entry["counts"]["queries"] == len(entry["per_query"]) == 8
    assert entry["counts"]["excluded_rows"] == 1 and entry["excluded"][0]["example"] == "phantom"
    assert entry["MAP@1000"] == pytest.approx(_mean(p["MAP@1000"] for p in entry["per_query"].values()), abs=1e-12)
    # the earlier figure for base MiniLM (instruction joined, weight 0) on the demo set, untouched by the phantom
    assert round(100 * entry["MAP@1000"], 2) == 66.72
    assert "| demo | 8 | -5.86 | 66.72 | 61.34 |" in (out / "results.md").read_text()


def test_benchmark_warnings_name_the_dataset(tmp_path, keywords):
    root = _copy(TINY, tmp_path / "set")
    _append(root / "qrels_og.jsonl", {"query-id": "q1", "corpus-id": "nowhere", "score": 1})
    report = run_followir_benchmark(keywords, [root, TINY], show_progress=False)
    (warning,) = report.warnings()
    assert warning.startswith(f"set: {root / 'qrels_og.jsonl'}:")
    assert warning.endswith("1 qrels_og row excluded from scoring: document not in the corpus (first: 'nowhere')")
    assert report.results["set"].scores[MAP_1000] == pytest.approx(tiny_expected()["MAP@1000"], abs=1e-12)
