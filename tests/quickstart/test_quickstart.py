"""`instructret quickstart`: facet set, pairs, training, the three benchmark rows and the search, on real data."""

import importlib.util
import json
import subprocess
import sys

import pytest

from instructret.errors import InstructretError
from instructret.quickstart import DEMO_INSTRUCTION, QuickstartConfig, compare_search, overlap

CLI = [sys.executable, "-m", "instructret.cli.app", "quickstart"]


def test_demo_search_on_debian_moves_command_line_players_up(tmp_path, minilm):
    cmp = compare_search(tmp_path / "db", minilm)
    assert cmp.instruction == DEMO_INSTRUCTION
    assert cmp.documents > 100  # the sample's media players
    assert cmp.excluded == ["Graphical desktop applications"]
    assert any("command-line" in w for w in cmp.wanted)
    plain = [h.metadata["interface"] for h in cmp.plain]
    instructed = [h.metadata["interface"] for h in cmp.instructed]
    assert "graphical" in plain[0]  # topically, a graphical player wins
    assert not any("graphical" in i for i in instructed[:3])  # the instruction asks for command-line programs
    assert sum("graphical" in i for i in instructed) < sum("graphical" in i for i in plain)


def test_config_checks_and_base_url_means_api():
    assert QuickstartConfig(base_url="http://127.0.0.1:9/v1").llm == "api"
    assert QuickstartConfig().llm == "none"
    for bad in ({"max_steps": 0}, {"max_queries": 0}, {"limit": 0}, {"llm": "gpt"}):
        with pytest.raises(InstructretError):
            QuickstartConfig(**bad)


def test_bad_option_is_one_line_error(tmp_path):
    out = subprocess.run([*CLI, "--workdir", str(tmp_path / "qs"), "--max-steps", "0"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert "--max-steps must be at least 1" in out.stderr
    assert "Traceback" not in out.stderr


def test_overlap_counts_shared_documents_and_topics(tmp_path):
    ev = tmp_path / "eval"
    ev.mkdir()
    (ev / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\n{"_id": "b", "text": "y"}\n')
    (ev / "queries.jsonl").write_text('{"_id": "q", "text": "t", "facets": {"topic": "use/playing"}}\n')
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"positive": {"id": "c"}, "negative": {"id": "d"},
                                 "facets": {"topic": "works-with/text"}}) + "\n")
    assert overlap(pairs, ev) == {"documents": 0, "topics": 0}
    with pairs.open("a") as fh:
        fh.write(json.dumps({"positive": {"id": "a"}, "negative": {"id": "e"}, "facets": {"topic": "use/playing"}})
                 + "\n")
    assert overlap(pairs, ev) == {"documents": 1, "topics": 1}


@pytest.mark.slow
def test_quickstart_on_debian_beats_base_and_resumes(tmp_path):
    """The default path, for real: no LLM, no ../shared, a small training budget."""
    work = tmp_path / "qs"
    cmd = [*CLI, "--workdir", str(work), "--no-progress"]  # the default budget: what `make quickstart` runs
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads((work / "quickstart.json").read_text())
    bench = report["bench"]
    assert set(bench) == {"base", "base+split", "trained+split"}
    assert all(row["queries"] >= 40 for row in bench.values())
    assert bench["base"]["exclusion_weight"] == 0
    assert bench["base+split"]["exclusion_weight"] > 0
    # the acceptance: trained+split beats base by >= 10 p-MRR points, with MAP@1000 no lower
    assert bench["trained+split"]["p-MRR"] >= bench["base"]["p-MRR"] + 10
    assert bench["trained+split"]["MAP@1000"] >= bench["base"]["MAP@1000"]
    # the recipe adds to the split (60 steps measured +4.7 p-MRR and +6.3 MAP@1000 over base+split)
    assert bench["trained+split"]["p-MRR"] >= bench["base+split"]["p-MRR"] + 2
    assert bench["trained+split"]["MAP@1000"] >= bench["base+split"]["MAP@1000"] + 2
    assert report["data"]["shared"] == {"documents": 0, "topics": 0}
    assert report["training"]["steps"] == QuickstartConfig.max_steps
    assert (work / "model" / "modules.json").is_file()
    out = first.stdout
    for text in ("trained+split", "wanted:", "excluded: Graphical desktop applications", "What this run shows"):
        assert text in out
    # rerun: every stage is finished, nothing is built, trained or scored again
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads((work / "quickstart.json").read_text())
    assert set(again["skipped"]) == {"data", "base", "base+split", "train", "trained+split"}
    assert again["bench"] == bench
    assert "finished by an earlier run" in second.stdout


def _local_llm_missing() -> str | None:
    from instructret.assets import find_local_gguf

    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (make local-llm)"
    try:
        find_local_gguf()
    except InstructretError as exc:
        return str(exc)
    return None


@pytest.mark.slow
def test_llm_path_end_to_end_and_resume(tmp_path):
    missing = _local_llm_missing()
    if missing:
        pytest.skip(missing)
    work = tmp_path / "qs"
    cmd = [*CLI, "--llm", "local", "--workdir", str(work), "--limit", "2", "--max-steps", "2", "--no-progress"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads((work / "quickstart.json").read_text())
    assert report["path"] == "llm"
    synth = report["data"]["synthesis"]
    assert synth["total"] == 2
    assert synth["done"] + synth["failed"] + synth["transient"] == 2
    # the base model's demo-set scores are deterministic: the figures in the demo data README
    base = report["bench"]["base"]
    assert base["MAP@1000"] == pytest.approx(66.72, abs=0.01)
    assert base["p-MRR"] == pytest.approx(-5.86, abs=0.01)
    assert base["queries"] == 8
    assert set(report["bench"]) == {"base", "base+split", "trained+split"}
    assert (work / "model" / "modules.json").is_file()
    assert "What this run shows" in first.stdout
    # rerun: every stage resumes, no seed goes to the LLM again
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads((work / "quickstart.json").read_text())
    assert again["data"]["synthesis"]["skipped"] + again["data"]["synthesis"]["skipped_failed"] == 2
    assert "train" in again["skipped"]
    assert again["bench"] == report["bench"]
