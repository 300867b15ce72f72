"""Seed files and settings shared by the synthesis tests."""

from __future__ import annotations

import json
from pathlib import Path

from instructret.synthesis import LLMConfig


def seed_rows(n: int, start: int = 0) -> list[dict]:
    """Seeds whose documents start with a unique keyword, which the test server's fake judge reads."""
    return [
        {
            "query": f"query {i}",
            "instruction": f"I want alpha{i} tools.",
            "positive": {"id": f"p{i}", "text": f"alpha{i} is a command-line tool for query {i} tasks."},
            "negatives": [{"id": f"n{i}", "text": f"beta{i} is a graphical program for query {i} tasks."}],
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fast_config(base_url: str, **kw) -> LLMConfig:
    """Short timeouts so fault tests run in seconds (retry-after-ms from the server keeps backoff short)."""
    opts = {"timeout": 1.0, "max_retries": 3, "reasks": 2, "api_key_env": "INSTRUCTRET_TEST_KEY"}
    opts.update(kw)
    return LLMConfig(model="test-model", base_url=base_url, **opts)
