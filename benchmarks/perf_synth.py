"""Synthesis throughput (rows/s) against a local OpenAI-compatible server with a fixed artificial latency.

Usage: python benchmarks/perf_synth.py [--latency 0.1] [--rows-per-worker 6] [--levels 1,4,16] [--server-limit N]

The server is the project's own test server (tests/support/testserver.py, run as
``python -m tests.support.testserver`` from the repository root), in its own process on 127.0.0.1: every
chat request sleeps ``--latency`` seconds, then answers valid JSON. Each row costs three requests (reversal
and the two verification judgments), so at concurrency 1 the ceiling is 1 / (3 x latency) rows/s. The
script runs the full pipeline (prompts, HTTP, JSON validation, checks, fsynced appends) at each concurrency
level and prints rows/s and the ratio to concurrency 1, next to the ideal (linear) ratio. With
``--server-limit N`` the server serves at most N requests at once, and throughput should level off there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from instructret.synthesis import LLMConfig, run_synthesis

REPO = Path(__file__).resolve().parents[1]


def seeds(n: int, tag: str) -> list[dict]:
    return [
        {
            "query": f"{tag} query {i}",
            "instruction": f"I want alpha{i} tools.",
            "positive": {"id": f"p{i}", "text": f"alpha{i} is a command-line tool for {tag} query {i}."},
            "negatives": [{"id": f"n{i}", "text": f"beta{i} is a graphical program for {tag} query {i}."}],
        }
        for i in range(n)
    ]


@contextmanager
def serve(latency: float, limit: int | None) -> Iterator[str]:
    """The test server in its own process, as a real endpoint would be (no shared GIL with the client)."""
    cmd = [sys.executable, "-m", "tests.support.testserver", "--latency", str(latency)]
    if limit:
        cmd += ["--max-parallel", str(limit)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)  # tests.support is found from there
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latency", type=float, default=0.1, help="seconds per request at the server")
    ap.add_argument("--rows-per-worker", type=int, default=6, help="rows per level = this x concurrency (min 12)")
    ap.add_argument("--levels", default="1,4,16")
    ap.add_argument("--server-limit", type=int, default=None, help="max requests the server serves at once")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    results: list[tuple[int, int, float]] = []
    with serve(args.latency, args.server_limit) as base_url, tempfile.TemporaryDirectory() as tmp:
        cfg = LLMConfig(model="bench", base_url=base_url, api_key_env=None, timeout=30)
        for c in levels:
            n = max(12, args.rows_per_worker * c)
            path = Path(tmp) / f"seeds-{c}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in seeds(n, f"c{c}")))
            s = run_synthesis(path, Path(tmp) / f"out-{c}.jsonl", cfg, concurrency=c, progress=False)
            assert s.counts.done == n, s.as_dict()
            results.append((c, n, s.rows_per_second))

    base = results[0][2]
    limit = f", server limit {args.server_limit}" if args.server_limit else ""
    print(f"synthesis throughput, {args.latency * 1000:.0f} ms per request, 3 requests per row{limit}")
    print(f"{'concurrency':>11} {'rows':>5} {'rows/s':>8} {'ratio':>6} {'ideal':>6} {'of ceiling':>10}")
    for c, n, rps in results:
        busy = min(c, args.server_limit) if args.server_limit else c
        ideal = busy / (min(results[0][0], args.server_limit) if args.server_limit else results[0][0])
        ceiling = f"{rps / (busy / (3 * args.latency)):>10.0%}" if args.latency > 0 else f"{'-':>10}"
        print(f"{c:>11} {n:>5} {rps:>8.2f} {rps / base:>6.2f} {ideal:>6.1f} {ceiling}")
    print("ratio = rows/s / rows/s at the first level; ideal = linear scaling up to the server limit;")
    print("of ceiling = rows/s / (requests the server can serve per second / 3)")


if __name__ == "__main__":
    main()
