"""InstructIndex.search latency vs a raw chromadb query with the same vectors, over 20k documents.

Usage: python benchmarks/perf_index.py [--docs 20000] [--queries 200] [--model minilm]
Both paths embed the same formatted query with the same model and query the same Chroma collection;
the ratio (ours / raw) isolates instructret's overhead. The target is <= 1.10. The raw path's query texts
come from instructret.formatting (the model's template), the one place that joins query and instruction.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from instructret.encoder import InstructEncoder  # noqa: E402
from instructret.index import InstructIndex  # noqa: E402

WORDS = ("terminal graphical library python audio video markdown chess sync backup editor viewer server "
         "client daemon plugin codec format player recorder converter monitor network database shell "
         "compiler debugger font theme game engine protocol desktop web browser mail calendar").split()
NEEDS = ["command-line programs only; graphical applications are not relevant",
         "I want a graphical desktop application, not a library", "only libraries for Python developers"]


def make_docs(n: int, rng: random.Random) -> list[str]:
    return [f"pkg{i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--model", default="minilm")
    args = ap.parse_args()

    rng = random.Random(0)
    enc = InstructEncoder(args.model, batch_size=128)
    with tempfile.TemporaryDirectory() as tmp:
        index = InstructIndex(encoder=enc, collection="perf-index", path=tmp)
        docs = make_docs(args.docs, rng)
        t0 = time.perf_counter()
        index.add([f"d{i}" for i in range(len(docs))], docs, batch_size=1024, show_progress=True)
        build = time.perf_counter() - t0
        queries = [(" ".join(rng.sample(WORDS, 3)), rng.choice(NEEDS)) for _ in range(args.queries)]
        col = index.collection

        def ours(q: str, i: str) -> list[str]:
            return [h.id for h in index.search(q, instruction=i, k=args.k)]

        def raw(q: str, i: str) -> list[str]:
            # the same query vector from the library, then Chroma directly: what InstructIndex adds is measured
            vec = enc.encode_queries([q], i)
            res = col.query(query_embeddings=vec, n_results=args.k, include=["documents", "metadatas", "distances"])
            return res["ids"][0]

        for q, i in queries[:10]:  # warm up both paths, and check they agree
            assert ours(q, i) == raw(q, i)
        lat = {"ours": [], "raw": []}
        for q, i in queries:  # interleave so both see the same machine load
            for name, fn in (("raw", raw), ("ours", ours)):
                t0 = time.perf_counter()
                fn(q, i)
                lat[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) * 1000 for k, v in lat.items()}
    mean = {k: statistics.fmean(v) * 1000 for k, v in lat.items()}
    print(f"docs={args.docs} queries={args.queries} k={args.k} model={args.model} device={enc.device} "
          f"(indexing took {build:.1f}s, {args.docs / build:.0f} docs/s)")
    print(f"raw chromadb query (+ encode) : median {med['raw']:.2f} ms, mean {mean['raw']:.2f} ms")
    print(f"InstructIndex.search          : median {med['ours']:.2f} ms, mean {mean['ours']:.2f} ms")
    print(f"latency ratio ours/raw        : {med['ours'] / med['raw']:.3f} (median), "
          f"{mean['ours'] / mean['raw']:.3f} (mean)  (target <= 1.10)")


if __name__ == "__main__":
    main()
