"""benchmarks/ablation.py on tiny data: every condition in the table, matched budgets, resume, styles."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from instructret.errors import InstructretError

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FOLLOWIR_TINY = Path(__file__).resolve().parents[1] / "fixtures" / "followir_tiny"


def _import_benchmark(name: str):
    """Import a script from benchmarks/ (not a package) as a module."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def ablation():
    return _import_benchmark("ablation")


@pytest.fixture(scope="module")
def narrative():
    return _import_benchmark("make_narrative_styles")


TOPICS = ["chess engine", "email client", "text editor", "music player", "web browser", "pdf reader",
          "image viewer", "calendar"]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory, narrative):
    root = tmp_path_factory.mktemp("ablation-data")
    pairs = [{
        "query": t,
        "instruction": f"I want a {t} that runs in a text terminal.",
        "instruction_reversed": f"I want a {t} with a graphical desktop window.",
        "positive": {"id": f"cli{i}", "text": f"{t} cli{i}: a {t} for the text console, keyboard driven."},
        "negative": {"id": f"gui{i}", "text": f"{t} gui{i}: a {t} with a desktop window and toolbars."},
    } for i, t in enumerate(TOPICS)]
    general = [{"query": f"program number {i}", "positive": {"id": f"g{i}", "text": f"pkg{i}: program number {i}."}}
               for i in range(20)]
    styled = root / "pairs.jsonl"
    narrative.make_narrative_file(_write(root / "plain.jsonl", pairs), styled)
    return {"pairs": styled, "general": _write(root / "general.jsonl", general), "root": root}


def _settings(ablation, data, out, **overrides):
    # 8 pairs, batch 4: view A fills 2 batches, both views 4, both views + 8 general 6, the 20 general 5;
    # so every condition's first 2 steps are full batches and the budgets match row for row.
    settings = dict(train=data["pairs"], general=data["general"], eval_dirs=[FOLLOWIR_TINY], out=out,
                    seeds=(0,), steps=2, batch_size=4, lr=1e-5, max_seq_length=32, general_ratio=1.0)
    settings.update(overrides)
    return ablation.AblationSettings(**settings)


def test_conditions_are_registered_with_distinct_training(ablation, data, tmp_path):
    assert set(ablation.MAIN) <= set(ablation.CONDITIONS) and set(ablation.STYLE_AXIS) <= set(ablation.CONDITIONS)
    s = _settings(ablation, data, tmp_path)
    cfgs = {n: ablation.train_config(c, s, data["pairs"], 0, tmp_path / n)
            for n, c in ablation.CONDITIONS.items() if c.train is not None}
    assert cfgs["general"].pairs == [] and cfgs["general"].general == data["general"]
    assert cfgs["ins-orig"].views == "original" and cfgs["ins-orig"].general is None
    assert cfgs["dual"].views == "dual" and cfgs["dual"].general is None
    assert cfgs["dual+general"].general == data["general"]
    assert cfgs["style-narrative"].styles == ("narrative",)
    assert cfgs["style-mixed"].styles == ("original", "narrative")
    assert {(c.max_steps, c.batch_size, c.lr, c.seed, c.model) for c in cfgs.values()} == {(2, 4, 1e-5, 0, "minilm")}
    assert {n: ablation.examples_seen(c) for n, c in cfgs.items()} == dict.fromkeys(cfgs, 8)
    # With 8 view-A rows and batch 3 the third step is a partial batch: counted as it is, not as steps x batch.
    assert ablation.examples_seen(ablation.train_config(ablation.CONDITIONS["ins-orig"],
                                                        _settings(ablation, data, tmp_path, steps=3, batch_size=3),
                                                        data["pairs"], 0, tmp_path / "x")) == 8


def test_narratives_name_the_other_view_as_not_relevant(data):
    row = json.loads(data["pairs"].read_text().splitlines()[0])
    narr = row["styles"]["narrative"]
    assert narr["instruction"].startswith(row["instruction"])
    assert "Not relevant: a chess engine with a graphical desktop window" in narr["instruction"]
    assert "Not relevant: a chess engine that runs in a text terminal" in narr["instruction_reversed"]
    assert "narrative" in row["styles_source"]


def test_max_pairs_draws_a_seeded_subset_and_keeps_small_files_whole(ablation, data, tmp_path):
    rows = data["pairs"].read_text().splitlines()
    s = _settings(ablation, data, tmp_path, max_pairs=3, pairs_seed=7)
    sample = ablation.prepare_pairs(s)
    picked = sample.read_text().splitlines()
    assert len(picked) == 3 and set(picked) <= set(rows)
    assert [rows.index(r) for r in picked] == sorted(rows.index(r) for r in picked)  # file order kept
    assert ablation.prepare_pairs(s).read_text().splitlines() == picked  # same seed, same sample
    other = ablation.prepare_pairs(_settings(ablation, data, tmp_path / "b", max_pairs=3, pairs_seed=8))
    assert other.read_text().splitlines() != picked
    for whole in (0, len(rows), len(rows) + 5):
        assert ablation.prepare_pairs(_settings(ablation, data, tmp_path, max_pairs=whole)) == data["pairs"]


@pytest.mark.slow
def test_ablation_runs_resumes_and_refuses_other_settings(ablation, data, tmp_path):
    out = tmp_path / "out"
    conditions = [*ablation.MAIN, "style-mixed"]
    report = ablation.run_ablation(_settings(ablation, data, out), conditions)

    assert list(report.summary) == conditions
    for name in conditions:
        assert f"| {name} |" in report.table
    trained = [r for r in report.runs if r["train"]]
    assert len(trained) == len(conditions) - 1
    assert {(r["train"]["global_step"], r["train"]["budget"], r["train"]["examples_seen"]) for r in trained} == {
        (2, 8, 8)}
    assert trained[-1]["train"]["styles"] == {"original": 16, "narrative": 16}
    for r in report.runs:
        assert set(r["mean"]) == {"p-MRR", "MAP@1000", "nDCG@5"} and -1 <= r["mean"]["p-MRR"] <= 1
    results = json.loads((out / "results.json").read_text())
    assert len(results["runs"]) == len(conditions) and results["summary"]["dual"]["examples_seen"] == [8]
    assert (out / "ablation.png").stat().st_size > 10_000 and not any((out / "models").iterdir())  # models removed
    before = (out / "runs.jsonl").read_text().splitlines()

    # A second seed: only the new (condition, seed) runs; the finished ones come from runs.jsonl.
    report = ablation.run_ablation(_settings(ablation, data, out, seeds=(0, 1)), ["base", "dual"])
    lines = (out / "runs.jsonl").read_text().splitlines()
    assert lines[: len(before)] == before and len(lines) == len(before) + 1
    assert json.loads(lines[-1])["condition"] == "dual" and json.loads(lines[-1])["seed"] == 1
    assert report.summary["dual"]["seeds"] == [0, 1] and report.summary["dual"]["mean"]["p-MRR"]["n"] == 2
    assert "±" in report.table.split("| dual |")[1].splitlines()[0]

    # --report-only: a third seed is asked for but nothing runs; the table shows the seeds that exist.
    report = ablation.run_ablation(_settings(ablation, data, out, seeds=(0, 1, 2)), ["base", "dual"], report_only=True)
    assert (out / "runs.jsonl").read_text().splitlines() == lines
    assert report.summary["dual"]["seeds"] == [0, 1]

    with pytest.raises(InstructretError, match="other settings \\(steps\\)"):
        ablation.run_ablation(_settings(ablation, data, out, steps=3), ["dual"])


RESULTS = BENCHMARKS / "results"


@pytest.mark.parametrize("name", sorted(p.name for p in RESULTS.iterdir() if (p / "runs.jsonl").is_file()))
def test_committed_runs_resume_into_the_same_tables(ablation, tmp_path, name):
    """The runs.jsonl files in benchmarks/results/ read back, pass the settings check and give their tables."""
    committed = json.loads((RESULTS / name / "results.json").read_text())
    settings = committed["settings"]
    s = ablation.AblationSettings(**{
        **settings, "out": tmp_path, "train": Path(settings["train"]), "seeds": tuple(settings["seeds"]),
        "general": Path(settings["general"]) if settings["general"] else None,
        "eval_dirs": [Path(d) for d in settings["eval_dirs"]],
    })
    (tmp_path / "runs.jsonl").write_text((RESULTS / name / "runs.jsonl").read_text())
    runs = ablation._load_runs(s)  # what a rerun of the same command resumes from
    conditions = list(committed["conditions"])
    table_rows = ablation.row_descriptions(conditions)  # a condition may give a row per query mode
    runs = [r for r in runs if r["condition"] in table_rows and (r["seed"] is None or r["seed"] in s.seeds)]
    report = ablation.write_report(s, conditions, runs, committed["title"], 0.0)

    def rows(text):
        return [line for line in text.splitlines() if line.startswith("| ")]

    assert rows(report.table) == rows((RESULTS / name / "results.md").read_text())
    assert report.summary == json.loads(json.dumps(committed["summary"]))


@pytest.mark.slow
def test_split_axis_scores_each_model_joined_and_split(ablation, data, tmp_path):
    """Joined-trained models give a row per query mode; split-trained ones are queried split; budgets match."""
    rows = [json.loads(line) for line in data["pairs"].read_text().splitlines()]
    general = [{"kind": "general", "query": f"program number {i}",
                "positive": {"id": f"g{i}", "text": f"pkg{i}: program number {i}."}} for i in range(20)]
    train = _write(tmp_path / "mixed.jsonl", rows + general)  # general pairs inside the pairs file
    s = _settings(ablation, data, tmp_path / "out", train=train, general=None, exclusion_weight=0.5)
    report = ablation.run_ablation(s, ablation.SPLIT_AXIS)
    expected = ["base", "base+split", "ins-orig", "ins-orig+split", "dual", "dual+split", "dual-split",
                "dual+general", "dual+general+split", "dual-split+general"]
    assert list(report.summary) == expected
    by_row = {r["condition"]: r for r in report.runs}
    assert by_row["dual+split"]["query_mode"] == "split" and by_row["dual"]["query_mode"] == "joined"
    assert by_row["dual+split"]["trained_as"] == by_row["dual"]["trained_as"] == "dual-joined"
    assert by_row["dual-split"]["train"]["config"]["split"] is True
    assert by_row["dual"]["train"]["config"]["split"] is False
    assert by_row["dual-split+general"]["train"]["general_per_epoch"] == 8  # ratio 1 x 8 pairs, from the file
    assert by_row["dual"]["train"]["general_per_epoch"] == 0
    # joined and split queries of the same model differ (the tiny set's instructions exclude)
    assert by_row["base"]["eval"] != by_row["base+split"]["eval"]
    budgets = {(r["train"]["global_step"], r["train"]["budget"]) for r in report.runs if r["train"]}
    assert budgets == {(2, 8)}
    for r in report.runs:
        assert -1 <= r["mean"]["p-MRR"] <= 1
