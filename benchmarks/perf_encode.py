"""InstructEncoder.encode_queries throughput: plain vs raw SentenceTransformer.encode, and split vs plain.

Usage: python benchmarks/perf_encode.py [--n 2000] [--repeats 3] [--model minilm]

Three paths on the same queries, interleaved so they see the same machine load:
- raw: ``SentenceTransformer.encode`` on the formatted strings;
- plain: ``encode_queries`` with exclusion weight 0 (the whole instruction joined to the query);
- split: ``encode_queries`` with the default split (rules parser, default weight), which also embeds each
  excluded concept and composes one vector per query.
Ratios: plain / raw (target >= 0.95) and split / plain (target >= 0.5). Instructions are the shared dev set's
(both the og and the changed narratives) when ``../shared/data`` is present, else a built-in list; every query
text is distinct, so neither path gains from repeated strings.
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_paths import shared_data_root  # noqa: E402

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
    needs = dev_instructions() or NEEDS
    queries = [f"{rng.choice(TOPICS)} {i}" for i in range(args.n)]
    instructions = [rng.choice(needs) for _ in range(args.n)]
    plain_enc = InstructEncoder(args.model, batch_size=args.batch_size, exclusion_weight=0)
    split_enc = InstructEncoder.from_model(plain_enc.model, plain_enc.template, batch_size=args.batch_size)
    formatted = plain_enc.format_queries(queries, instructions)
    st = plain_enc.model
    excluded = sum(len(p.excluded) for p in split_enc.plan_queries(queries, instructions))

    paths = {
        "raw": lambda: st.encode(formatted, batch_size=args.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True),
        "plain": lambda: plain_enc.encode_queries(queries, instructions),
        "split": lambda: split_enc.encode_queries(queries, instructions),
    }
    for fn in paths.values():
        fn()  # warm up
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(args.repeats):  # interleave so all see the same machine load
        for name, fn in paths.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    qps = {name: args.n / t for name, t in best.items()}
    print(f"model={args.model} device={plain_enc.device} n={args.n} batch={args.batch_size} repeats={args.repeats} "
          f"instructions={'shared dev set' if needs is not NEEDS else 'built-in'} "
          f"split: {split_enc.parser} parser, weight {split_enc.exclusion_weight:g}, "
          f"{excluded / args.n:.2f} excluded concepts per query")
    print(f"raw SentenceTransformer.encode       : {qps['raw']:8.1f} queries/s")
    print(f"encode_queries, plain (weight 0)     : {qps['plain']:8.1f} queries/s")
    print(f"encode_queries, split (default)      : {qps['split']:8.1f} queries/s")
    print(f"throughput ratio plain/raw           : {qps['plain'] / qps['raw']:.3f}  (target >= 0.95)")
    print(f"throughput ratio split/plain         : {qps['split'] / qps['plain']:.3f}  (target >= 0.5)")


def dev_instructions() -> list[str]:
    """The og and changed instructions of the shared dev set, or [] when it is not there."""
    path = shared_data_root() / "followir-dev" / "queries.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r[k] for r in rows for k in ("instruction_og", "instruction_changed")]


if __name__ == "__main__":
    main()
