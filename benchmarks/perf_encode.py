"""InstructEncoder.encode_queries throughput vs raw SentenceTransformer.encode on the same strings.

Usage: python benchmarks/perf_encode.py [--n 2000] [--repeats 3] [--model minilm]
Prints queries/s for both and the ratio (ours / raw); the target is >= 0.95.
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from instructret.encoder import InstructEncoder  # noqa: E402

TOPICS = ["markdown editor", "chess engine", "file sync tool", "process monitor", "audio tag editor",
          "static site generator", "password manager", "pdf viewer", "irc client", "backup program"]
NEEDS = ["command-line programs only; graphical applications are not relevant",
         "I want a graphical desktop application, not a library",
         "must support FLAC and Ogg Vorbis; single-format tools are not relevant",
         "only libraries for Python developers", "it has to run over SSH on a headless server"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--model", default="minilm")
    args = ap.parse_args()

    rng = random.Random(0)
    queries = [rng.choice(TOPICS) for _ in range(args.n)]
    instructions = [rng.choice(NEEDS) for _ in range(args.n)]
    enc = InstructEncoder(args.model, batch_size=args.batch_size)
    formatted = enc.format_queries(queries, instructions)
    st = enc.model

    def ours() -> None:
        enc.encode_queries(queries, instructions)

    def raw() -> None:
        st.encode(formatted, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)

    ours(), raw()  # warm up
    best = {"ours": float("inf"), "raw": float("inf")}
    for _ in range(args.repeats):  # interleave so both see the same machine load
        for name, fn in (("raw", raw), ("ours", ours)):
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    qps_ours, qps_raw = args.n / best["ours"], args.n / best["raw"]
    print(f"model={args.model} device={enc.device} n={args.n} batch={args.batch_size} repeats={args.repeats}")
    print(f"raw SentenceTransformer.encode : {qps_raw:8.1f} queries/s")
    print(f"InstructEncoder.encode_queries : {qps_ours:8.1f} queries/s")
    print(f"throughput ratio ours/raw      : {qps_ours / qps_raw:.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
