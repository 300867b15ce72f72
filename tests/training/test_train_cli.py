"""`instructret train` end to end: style mix, model card, and one-line errors for user mistakes."""

from __future__ import annotations

import dataclasses
import json

from dualview_fixtures import HELDOUT_TOPICS, TRAIN_TOPICS, general_pairs, make_pairs, write_followir_dir, write_jsonl
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
    assert "step 1/2" not in said and "{'loss'" not in said  # --no-progress: no progress lines at all
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
        (["--cached", "--split"], "--cached does not support --split yet"),
        (["--split", "--exclusion-weight", "3"], "exclusion weight must be in [0, 2], got 3.0"),
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


def test_training_output_is_the_projects_own(tmp_path):
    """Not a terminal: a plain line per logging step and evaluation, no tqdm bars, no raw log dicts."""
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:2], ["interface", "licence"]))
    dev = write_followir_dir(tmp_path / "dev", HELDOUT_TOPICS[:1])
    r = runner.invoke(app, [
        "train", str(pairs), "-o", str(tmp_path / "m"), "--max-steps", "2", "--batch-size", "8",
        "--max-seq-length", "32", "--logging-steps", "1", "--eval-dir", str(dev), "--eval-steps", "2",
        "--device", "cpu", "--general-ratio", "1", "--general", str(write_jsonl(tmp_path / "g.jsonl",
                                                                                 general_pairs(8))),
    ])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("base model: dev p-MRR ") and " · MAP@1000 " in lines[0]
    assert lines[1] == "training: 2 steps"
    assert lines[2].startswith("step 1/2: loss ") and " · lr " in lines[2]
    assert lines[3].startswith("step 2/2: loss ")
    assert lines[4].startswith("step 2/2: dev p-MRR ") and " · nDCG@5 " in lines[4]
    assert lines[5].startswith("trained 2 steps")
    for noise in ("{'", "it/s", "%|", "Computing widget", "eval_dev", "train_runtime"):
        assert noise not in r.output, noise
    said = " ".join(r.output.split())
    assert "┃ model ┃ p-MRR ┃ og MAP@1000 ┃ og nDCG@5 ┃" in said and "│ base model │" in said


def test_every_train_config_field_is_an_option_with_its_default_and_help():
    from instructret.cli.train_cmd import TRAIN_OPTIONS
    from instructret.training.config import TrainConfig

    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    assert set(TRAIN_OPTIONS.fields) == set(fields) - {"pairs"}  # a new field needs no CLI edit
    for name, option in TRAIN_OPTIONS.fields.items():
        default = fields[name].default
        if default is not dataclasses.MISSING:  # the option's default is the dataclass's own, not a copy
            shown = option.parameter.default
            assert getattr(shown, "value", shown) == (",".join(default) if isinstance(default, tuple) else default)
        assert option.parameter.annotation.__metadata__[0].help, name
    r = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    said = " ".join(r.output.replace("│", " ").split())
    for flag in ("--output", "-o", "--model", "-m", "--warmup", "--general-ratio", "--styles", "--style-mix",
                 "--no-progress", "--precision", "--eval-dir", "--resume", "--overwrite", "--template"):
        assert flag in said, flag
    assert "Peak learning rate. [default: 4e-05]" in said and "[default: 1.0]" in said
    for flag in ("--split", "--no-split", "--parser", "--exclusion-weight", "--style-mix"):
        assert flag in said, flag
    assert "auto|fp32|fp16|bf16" in said and "dual|original" in said
    assert "or when --epochs are done if that comes first" in said  # a field named in the help is shown as its flag
