"""SIGKILL the `instructret synth` process partway, rerun it, and compare with an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from synth_helpers import fast_config, read_jsonl, seed_rows, write_jsonl

from instructret.synthesis import run_synthesis
from tests.support.testserver import FakeOpenAIServer

pytestmark = [pytest.mark.server, pytest.mark.slow]

N = 12


def cli(seeds, out, base_url):
    cmd = [
        sys.executable,
        "-m",
        "instructret.cli.app",
        "synth",
        str(seeds),
        "--out",
        str(out),
        "--base-url",
        base_url,
        "--model",
        "test-model",
        "--api-key-env",
        "INSTRUCTRET_TEST_KEY",
        "--concurrency",
        "2",
        "--timeout",
        "10",
        "--no-progress",
    ]
    env = {**os.environ, "INSTRUCTRET_TEST_KEY": "sk-test"}
    return cmd, env


def whole_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().split("\n")[:-1] if line.strip()]


def canonical(rows):
    return [json.dumps(r, sort_keys=True) for r in rows]


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_TEST_KEY", "sk-test")
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(N))
    with FakeOpenAIServer(latency=0.3) as srv:
        reference = tmp_path / "reference.jsonl"
        run_synthesis(seeds, reference, fast_config(srv.base_url, timeout=10), concurrency=2, progress=False)
        assert srv.count() == 3 * N
        srv.reset()

        out = tmp_path / "pairs.jsonl"
        cmd, env = cli(seeds, out, srv.base_url)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(whole_lines(out)) < 4:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "synth made no progress"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = whole_lines(out)
        assert 4 <= len(finished) < N, "the kill came too late to test anything"
        done_queries = {r["query"] for r in finished}

        srv.reset()
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert f"skipped {len(finished)} done before" in " ".join(result.stdout.split())
        # no LLM call for any row that was finished before the kill; every other row costs exactly 3
        assert not {r.query for r in srv.log} & done_queries
        assert srv.count() == 3 * (N - len(finished))

    rows = read_jsonl(out)
    assert len(rows) == N and len({r["synth_key"] for r in rows}) == N
    assert sorted(canonical(rows)) == sorted(canonical(read_jsonl(reference)))
