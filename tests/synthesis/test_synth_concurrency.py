"""How many rows are in flight is the library's decision: the LLM settings carry it, the embedded model says 1."""

from __future__ import annotations

import threading
import time

import pytest
from synth_helpers import fast_config, seed_rows, write_jsonl

from instructret.errors import InstructretError
from instructret.synthesis import LLMConfig, local_llm_config, run_restyle, run_synthesis

pytestmark = pytest.mark.server


class _InFlight:
    """Wraps the server's responder to record the most requests it was answering at once."""

    def __init__(self, inner):
        self.inner, self.now, self.most = inner, 0, 0
        self.lock = threading.Lock()

    def __call__(self, task, text):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)  # long enough for rows that run together to overlap
        try:
            return self.inner(task, text)
        finally:
            with self.lock:
                self.now -= 1


def test_defaults_come_from_the_settings():
    assert LLMConfig(model="m").concurrency == 4
    assert local_llm_config("http://127.0.0.1:1/v1").concurrency == 1  # one model, one prompt cache
    with pytest.raises(InstructretError, match="concurrency must be at least 1"):
        LLMConfig(model="m", concurrency=0)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_rows_in_flight_follow_the_llm_settings(tmp_path, llm_server, concurrency):
    probe = _InFlight(llm_server.responder)
    llm_server.responder = probe
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(6))
    out = tmp_path / "pairs.jsonl"
    summary = run_synthesis(seeds, out, fast_config(llm_server.base_url, concurrency=concurrency), progress=False)
    assert summary.counts.done == 6
    assert probe.most == concurrency  # each row's requests are sequential, so rows in flight = requests

    probe.most = 0
    run_restyle(out, tmp_path / "styled.jsonl", fast_config(llm_server.base_url, concurrency=concurrency),
                "short", verify=False, progress=False)
    assert probe.most == concurrency


def test_an_explicit_concurrency_still_wins(tmp_path, llm_server):
    probe = _InFlight(llm_server.responder)
    llm_server.responder = probe
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(4))
    run_synthesis(seeds, tmp_path / "o.jsonl", fast_config(llm_server.base_url, concurrency=4), concurrency=1,
                  progress=False)
    assert probe.most == 1
