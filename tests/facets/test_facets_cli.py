import json

from typer.testing import CliRunner

from instructret.cli.app import app

runner = CliRunner()


def test_synth_and_followir_commands(sample_corpus, tmp_path):
    out = tmp_path / "pairs.jsonl"
    r = runner.invoke(app, ["facets", "synth", str(sample_corpus), "--out", str(out), "--max-pairs", "8",
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    # by default one general (instruction-free) pair per dual-view pair goes into the same file
    assert f"8 pairs and 8 general pairs in {out} (16 written now, 0 already there)" in " ".join(r.output.split())
    assert "skipped: no facet tags 5" in r.output
    kinds = [json.loads(line).get("kind") for line in out.read_text().splitlines()]
    assert kinds == [None] * 8 + ["general"] * 8
    r = runner.invoke(app, ["facets", "synth", str(sample_corpus), "--out", str(out), "--max-pairs", "8", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["present"] == 16
    r = runner.invoke(app, ["facets", "synth", str(sample_corpus), "--out", str(tmp_path / "only.jsonl"),
                            "--max-pairs", "8", "--general-ratio", "0", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["general"] == 0
    for changed in ("both", "requirement"):
        r = runner.invoke(app, ["facets", "followir", str(sample_corpus), "--out", str(tmp_path / changed),
                                "--topic-fraction", "1", "--no-progress", "--changed", changed])
        assert r.exit_code == 0, r.output
        assert "only as good as its tags" in " ".join(r.output.split())
        assert json.loads((tmp_path / changed / "build.json").read_text())["changed_instruction"] == changed


def test_user_errors_are_one_line(sample_corpus, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "tags": "game::puzzle"}\n{"id": "b"\n')
    for cmd in (["facets", "synth", str(bad), "--out", str(tmp_path / "o.jsonl")],
                ["facets", "followir", str(bad), "--out", str(tmp_path / "set")]):
        r = runner.invoke(app, cmd)
        assert r.exit_code == 2, r.output
        assert f"{bad}:2: not valid JSON" in " ".join(r.output.split())
        assert "Traceback" not in r.output
    r = runner.invoke(app, ["facets", "synth", str(sample_corpus), "--out", str(tmp_path / "o.jsonl"),
                            "--vocab", str(tmp_path / "none.json")])
    assert r.exit_code == 2 and "file not found (packaged vocabularies: debtags)" in " ".join(r.output.split())
    r = runner.invoke(app, ["facets", "synth", str(sample_corpus), "--out", str(tmp_path), "--styles", "poem"])
    assert r.exit_code == 2 and "unknown style" in r.output
    r = runner.invoke(app, ["facets", "vocab", str(tmp_path / "nope"), "--out", str(tmp_path / "v.json")])
    assert r.exit_code == 2 and "file not found" in r.output
