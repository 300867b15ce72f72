"""The GPU-budget command of docs/training.md runs as written on CPU, with a small --max-steps."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from dualview_fixtures import TRAIN_TOPICS, general_pairs, make_pairs, write_jsonl
from typer.testing import CliRunner

from instructret.cli.app import app
from instructret.query_config import read_query_config
from instructret.training.config import TrainConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def gpu_budget_command() -> list[str]:
    """The ``instructret train`` command of the "GPU budget" section, as argv (after ``instructret``)."""
    text = DOC.read_text()
    section = text[text.index("### GPU budget"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    command = next(c for c in block.replace("\\\n", " ").splitlines() if c.startswith("instructret train"))
    return shlex.split(command)[1:]


@pytest.mark.slow
def test_gpu_budget_command_runs_unchanged_on_cpu(tmp_path, monkeypatch):
    argv = gpu_budget_command()
    assert {"--precision", "bf16", "--model", "$MODEL"} <= set(argv), argv
    steps = int(argv[argv.index("--max-steps") + 1])
    assert steps >= 10 * TrainConfig.max_steps  # ten times the CPU recipe's steps
    rows = make_pairs(TRAIN_TOPICS[:2]) + [{**g, "kind": "general"} for g in general_pairs(8)]
    pairs = write_jsonl(tmp_path / "train.jsonl", rows)
    monkeypatch.chdir(tmp_path)
    # the command as written: only the data file, the model (an offline stand-in) and the step count differ
    model = os.environ.get("INSTRUCTRET_GPU_BUDGET_MODEL", "minilm")
    argv = [model if a == "$MODEL" else str(pairs) if a.endswith(".jsonl") else a for a in argv]
    r = CliRunner().invoke(app, [*argv, "--max-steps", "2", "--no-progress"])
    assert r.exit_code == 0, r.output
    out = Path(argv[argv.index("-o") + 1])
    saved = read_query_config(out)
    assert saved.training["global_step"] == 2 and saved.training["flags"]["precision"] == "bf16"
    assert (out / "model.safetensors").is_file()
