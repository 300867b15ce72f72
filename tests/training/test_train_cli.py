"""`instructret train` end to end: style mix, model card, and one-line errors for user mistakes."""

from __future__ import annotations

import json

from dualview_fixtures import TRAIN_TOPICS, general_pairs, make_pairs, write_jsonl
from typer.testing import CliRunner

from instructret.cli.app import app

runner = CliRunner()


def _styled(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:2], ["interface", "licence"])
    for p in pairs:
        p["styles"] = {
            "narrative": {"instruction": f"A relevant program suits this need: {p['instruction']}",
                          "instruction_reversed": f"A relevant program suits this need: {p['instruction_reversed']}"},
        }
    return write_jsonl(tmp_path / "styled.jsonl", pairs)


def test_train_with_style_mix_and_general(tmp_path):
    pairs = _styled(tmp_path)
    general = write_jsonl(tmp_path / "general.jsonl", general_pairs(20))
    out = tmp_path / "model"
    r = runner.invoke(app, [
        "train", str(pairs), "--output", str(out), "--general", str(general), "--general-ratio", "1",
        "--style-mix", "--max-steps", "2", "--batch-size", "8", "--max-seq-length", "48", "--lr", "1e-5",
        "--device", "cpu", "--no-progress", "--logging-steps", "1",
    ])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "trained 2 steps" in said and "on 4 dual-view pairs and 4 general pairs per epoch" in said
    meta = json.loads((out / "instructret.json").read_text())["training"]
    assert meta["styles"] == {"original": 8, "narrative": 8}
    assert meta["flags"]["style_mix"] is True and meta["general_per_epoch"] == 4
    card = (out / "README.md").read_text()
    assert "Instruction styles (views that can use each): narrative: 8, original: 8" in card
    assert str(general.resolve()) in card

    r = runner.invoke(app, ["train", str(pairs), "--output", str(out), "--device", "cpu"])
    assert r.exit_code == 2
    assert "already holds a trained model; pass --overwrite" in " ".join(r.output.split())


def test_user_mistakes_are_one_line_errors(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:1], ["interface"]))
    cases = [
        (["--general-ratio", "2"], "--general-ratio needs --general PATH"),
        (["--styles", "narrative"], "no row has the style(s) narrative"),
        (["--batch-size", "7"], "batch size must be even with dual views"),
        (["--resume", "--overwrite"], "contradict each other"),
    ]
    for extra, message in cases:
        r = runner.invoke(app, ["train", str(pairs), "--output", str(tmp_path / "m"), "--device", "cpu", *extra])
        assert r.exit_code == 2, r.output
        assert message in " ".join(r.output.split())
        assert "Traceback" not in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"query": "q", "instruction": "i"}) + "\n")
    r = runner.invoke(app, ["train", str(bad), "--output", str(tmp_path / "m"), "--device", "cpu"])
    assert r.exit_code == 2
    assert "bad.jsonl:1: field 'instruction_reversed': required field is missing" in " ".join(r.output.split())
