"""Synthesis against real servers: an unreachable endpoint fails fast, counts include retries, and the
failures file drops entries that a rerun has settled."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from synth_helpers import fast_config, read_jsonl, seed_rows, write_jsonl
from typer.testing import CliRunner

from instructret.cli.app import app
from instructret.synthesis import FatalLLMError, run_restyle, run_synthesis

pytestmark = pytest.mark.server
runner = CliRunner()


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_TEST_KEY", "sk-test-SENTINEL-1234")


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def test_closed_port_fails_the_run_at_once_with_the_url(tmp_path):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(6))
    url = closed_port_url()
    start = time.monotonic()
    with pytest.raises(FatalLLMError) as exc:
        # 5 retries with backoff would spend over 10 s per row before giving up on it
        run_synthesis(seeds, tmp_path / "pairs.jsonl", fast_config(url, max_retries=5), concurrency=3, progress=False)
    assert time.monotonic() - start < 8
    assert str(exc.value) == f"cannot connect to the LLM server at {url}: Connection error."
    # nothing was recorded as "retry later"
    for name in ("pairs.jsonl", "pairs.jsonl.failures.jsonl"):
        path = tmp_path / name
        assert not path.exists() or path.read_text() == ""


def test_closed_port_from_the_cli_is_one_line_exit_2(tmp_path):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(4))
    url = closed_port_url()
    r = subprocess.run([sys.executable, "-m", "instructret.cli.app", "synth", str(seeds), "--out",
                        str(tmp_path / "pairs.jsonl"), "--base-url", url, "--model", "m", "--no-progress"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert " ".join(r.stderr.split()) == f"error: cannot connect to the LLM server at {url}: Connection error."
    assert "retry later" not in r.stdout


def test_restyle_fails_fast_too(tmp_path):
    row = {"query": "q", "instruction": "a", "instruction_reversed": "b", "positive": {"id": "p", "text": "P"},
           "negative": {"id": "n", "text": "N"}}
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [row])
    url = closed_port_url()
    with pytest.raises(FatalLLMError, match=f"cannot connect to the LLM server at {url}"):
        run_restyle(pairs, tmp_path / "styled.jsonl", fast_config(url), "short", progress=False)


def test_request_count_includes_retries(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(5))
    llm_server.queue_faults("429", "500", "429")
    s = run_synthesis(seeds, tmp_path / "pairs.jsonl", fast_config(llm_server.base_url), concurrency=1,
                      progress=False)
    assert s.counts.done == 5
    assert s.usage["requests"] == llm_server.count() == 5 * 3 + 3
    assert s.usage["retries"] == 3 and s.usage["reasks"] == 0


def test_cli_summary_reports_what_the_server_received(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(3))
    llm_server.queue_faults("500", "500")
    r = runner.invoke(app, ["synth", str(seeds), "--out", str(tmp_path / "o.jsonl"), "--base-url",
                            llm_server.base_url, "--model", "test-model", "--api-key-env", "INSTRUCTRET_TEST_KEY",
                            "--max-retries", "3", "--concurrency", "1", "--no-progress"])
    assert r.exit_code == 0, r.output
    received = llm_server.count()
    assert received == 3 * 3 + 2
    assert f"LLM: {received} requests (2 retries, 0 re-asks)" in " ".join(r.output.split())


def test_rows_settled_by_a_rerun_leave_the_failures_file(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(4))
    cfg = fast_config(llm_server.base_url, max_retries=1)
    fails = tmp_path / "pairs.jsonl.failures.jsonl"
    llm_server.add_rule("alpha1", "500")  # transient on every run until the rule goes
    llm_server.add_rule("alpha2", "malformed")  # final
    s1 = run_synthesis(seeds, tmp_path / "pairs.jsonl", cfg, progress=False)
    assert (s1.counts.done, s1.counts.transient, s1.counts.failed) == (2, 1, 1)
    first = read_jsonl(fails)
    assert sorted((f["line"], f["final"]) for f in first) == [(2, False), (3, True)]

    # still failing: the new entry replaces the old one instead of piling up
    s2 = run_synthesis(seeds, tmp_path / "pairs.jsonl", cfg, progress=False)
    assert s2.counts.transient == 1
    second = read_jsonl(fails)
    assert sorted((f["line"], f["final"]) for f in second) == [(2, False), (3, True)]

    llm_server.reset()
    s3 = run_synthesis(seeds, tmp_path / "pairs.jsonl", cfg, progress=False)
    assert (s3.counts.done, s3.counts.skipped, s3.counts.skipped_failed) == (1, 2, 1)
    (left,) = read_jsonl(fails)
    assert left["line"] == 3 and left["final"] is True
    assert len(read_jsonl(tmp_path / "pairs.jsonl")) == 3
