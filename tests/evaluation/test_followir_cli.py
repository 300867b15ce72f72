"""``instructret bench followir`` and ``run_followir_benchmark``: report files, table, errors."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from followir_helpers import TINY, tiny_expected
from typer.testing import CliRunner

from instructret.cli.app import app
from instructret.evaluation import MAP_1000, P_MRR, REFERENCE_PMRR, run_followir_benchmark
from instructret.evaluation.report import markdown_table

runner = CliRunner()


def test_benchmark_writes_results_table_and_plot(tmp_path, keywords, tiny):
    report = run_followir_benchmark(keywords, [TINY, tiny], out_dir=tmp_path, show_progress=False)
    exp = tiny_expected()
    assert list(report.results) == ["followir_tiny", "followir_tiny-2"]  # same name twice stays distinct
    assert report.mean[P_MRR] == pytest.approx(exp["p-MRR"], abs=1e-12)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["model"] == "keyword-model" and data["template"] == "{query} {instruction}"
    entry = data["datasets"]["followir_tiny"]
    assert entry["p-MRR"] == pytest.approx(exp["p-MRR"]) and entry["nDCG@5"] == pytest.approx(exp["nDCG@5"])
    assert entry["per_query"]["q3"]["p-MRR"] is None
    assert entry["official"] is False and entry["revision"].startswith("sha256:") and entry["source"] == str(TINY)
    assert data["wall_time_s"] > 0 and data["mean"]["MAP@1000"] == pytest.approx(exp["MAP@1000"])
    md = (tmp_path / "results.md").read_text()
    assert md == report.table
    assert "| followir_tiny | 3 | +10.42 | 83.52 | 92.42 |" in md
    assert "not this data" in md  # reference rows are from the official sets
    order = [line.split("|")[1].strip() for line in md.splitlines() if line.startswith("| ") and "p-MRR" not in line]
    assert order.index("FollowIR-7B") < order.index("Promptriever-7B") < order.index("BM25")
    assert (tmp_path / "pmrr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the second dataset reused the first one's document embeddings, in one persistent cache
    assert report.results["followir_tiny-2"].docs_encoded == 0
    assert (tmp_path / "embedding-cache").is_dir()


def test_an_undefined_pmrr_is_nan_in_memory_null_in_json_and_counted(tmp_path, keywords):
    # q1 and q2 (the queries whose judgments change) lose their og judgments: no query can form a p-MRR term
    root = tmp_path / "set"
    shutil.copytree(TINY, root)
    qrels_og = root / "qrels_og.jsonl"
    qrels_og.write_text("".join(line + "\n" for line in qrels_og.read_text().splitlines() if '"q3"' in line))
    report = run_followir_benchmark(keywords, [root], out_dir=tmp_path / "out", show_progress=False)
    (result,) = report.results.values()
    assert math.isnan(result.scores[P_MRR]) and math.isnan(report.mean[P_MRR])
    assert result.counts["scored_pmrr"] == 0 and result.counts["queries"] == 3
    assert result.scores[MAP_1000] == pytest.approx(tiny_expected()["per_query"]["q3"]["MAP@1000"])
    data = json.loads((tmp_path / "out" / "results.json").read_text())  # standard JSON: null, never NaN
    assert data["mean"]["p-MRR"] is None and data["datasets"]["set"]["p-MRR"] is None
    assert data["datasets"]["set"]["counts"]["scored_pmrr"] == 0
    assert "| set | 3 | n/a |" in report.table
    assert "p-MRR is n/a for set: 0 of 3 queries have a changed document" in report.table
    assert "| **keyword-model (this run: set)** | **n/a** |" in report.table


def test_table_places_the_model_among_reference_rows(tiny, keywords):
    from instructret.evaluation import evaluate_followir

    res = evaluate_followir(keywords, tiny, show_progress=False)
    official = markdown_table("m", "{query} {instruction}", {"robust04": res, "news21": res, "core17": res},
                              {"robust04": True, "news21": True, "core17": True})
    assert "mean over the same three sets" in official and "MAP@1000 for robust04" in official
    assert "| **mean** |" in official
    partial = markdown_table("m", "{query} {instruction}", {"robust04": res}, {"robust04": True})
    assert "covers only robust04" in partial
    for name, value in REFERENCE_PMRR.items():
        assert f"| {name} | {value:+.2f} |" in partial


def test_cli_runs_minilm_on_the_fixture(tmp_path):
    result = runner.invoke(app, ["bench", "followir", "--model", "minilm", "--dataset", str(TINY),
                                 "--out", str(tmp_path / "out"), "--device", "cpu", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "FollowIR" in result.output and "Promptriever-7B" in result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    res = data["datasets"]["followir_tiny"]
    # minilm on the tiny set: a valid run whose mean equals its per-query values (no hand value for a real model)
    per_query = [v["p-MRR"] for v in res["per_query"].values() if v["p-MRR"] is not None]
    assert len(per_query) == 2 and res["p-MRR"] == pytest.approx(sum(per_query) / 2)
    assert 0 < res["MAP@1000"] <= 1 and res["docs_encoded"] == 14
    # a rerun finds every document in the cache
    again = runner.invoke(app, ["bench", "followir", "-d", str(TINY), "-o", str(tmp_path / "out"), "--device",
                                "cpu", "-q"])
    assert again.exit_code == 0, again.output
    rerun = json.loads((tmp_path / "out" / "results.json").read_text())["datasets"]["followir_tiny"]
    assert rerun["docs_encoded"] == 0 and rerun["p-MRR"] == pytest.approx(res["p-MRR"], abs=1e-6)


def test_cli_user_errors_are_one_line(tmp_path):
    result = runner.invoke(app, ["bench", "followir", "-d", str(tmp_path / "nope"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "no such directory" in result.output and "Traceback" not in result.output
    bad = runner.invoke(app, ["bench", "followir", "-d", str(TINY), "--template", "{query}", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "invalid query template" in bad.output
