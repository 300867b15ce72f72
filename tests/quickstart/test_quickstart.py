"""End to end: `instructret quickstart` with the embedded LLM, training, benchmark and search."""

import json
import subprocess
import sys

import pytest

from instructret.quickstart import DEMO_INSTRUCTION, compare_search


def test_demo_search_instruction_moves_cli_tool_up(tmp_path, minilm):
    cmp = compare_search(tmp_path / "db", encoder=minilm)
    plain = [h.id for h in cmp.plain]
    instructed = [h.id for h in cmp.instructed]
    assert plain[0] == "quillpad"  # topically, the graphical editor wins
    assert instructed[0] == "mdcat"  # the instruction asks for command-line programs
    assert "mdcat" not in plain[:3]
    assert cmp.instruction == DEMO_INSTRUCTION


@pytest.mark.slow
def test_quickstart_end_to_end_and_resume(tmp_path):
    work = tmp_path / "qs"
    cmd = [sys.executable, "-m", "instructret.cli.app", "quickstart", "--workdir", str(work), "--limit", "2",
           "--epochs", "1"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads((work / "quickstart.json").read_text())
    synth = report["synthesis"]
    assert synth["total"] == 2
    assert synth["done"] + synth["failed"] + synth["transient"] == 2
    # the base model's demo-set scores are deterministic: the figures in the demo data README
    base = report["bench"]["base"]
    assert base["MAP@1000"] == pytest.approx(66.72, abs=0.01)
    assert base["p-MRR"] == pytest.approx(-5.86, abs=0.01)
    assert (work / "model" / "modules.json").is_file()
    assert set(report["bench"]) == {"base", "trained"}
    assert "What this demo shows" in first.stdout
    # rerun: every stage resumes, no seed goes to the LLM again
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads((work / "quickstart.json").read_text())
    assert again["synthesis"]["skipped"] + again["synthesis"]["skipped_failed"] == 2
    assert again["trained_on"] == "reused the model trained by an earlier run"
    assert again["bench"] == report["bench"]
