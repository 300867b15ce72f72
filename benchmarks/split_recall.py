"""First-stage recall with and without the instruction split, over the whole Debian corpus.

Usage:
    python benchmarks/split_recall.py [--model minilm] [--weight W] [--k 100]
        [--data benchmarks/results/facets-debian/data] [--out benchmarks/results/split-recall]

Splitting a query before first-stage retrieval can dilute it ("semantic dilution"), so this measures what the
split does to recall when the query searches the full ~60k-document corpus (``corpus.jsonl`` of
``benchmarks/facet_data.py``), not a reranking list: for each query of the facet-built set, recall@k of its
og-relevant documents under the og instruction, and of its changed-relevant documents under the changed
instruction, unsplit (weight 0) and split (the default weight, or ``--weight``). Search is exact (a dot
product with every document), the ranking an ANN index such as Chroma's approximates.

Document embeddings are written in chunks under ``OUT/data/``, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from instructret.encoder import InstructEncoder  # noqa: E402
from instructret.evaluation import load_followir  # noqa: E402

CHUNK = 4096


def corpus_texts(path: Path) -> tuple[list[str], list[str]]:
    """Ids and texts (``title + " " + text``, as the benchmarks encode documents)."""
    ids, texts = [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            ids.append(str(row["_id"]))
            texts.append(" ".join(t for t in (row.get("title") or "", row["text"]) if t).strip())
    return ids, texts


def embed_corpus(encoder: InstructEncoder, texts: list[str], folder: Path) -> np.ndarray:
    """All document embeddings, encoded chunk by chunk and kept on disk."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for n, start in enumerate(range(0, len(texts), CHUNK)):
        part = folder / f"docs-{n:04d}.npy"
        if not part.is_file():
            t0 = time.perf_counter()
            vecs = encoder.encode_documents(texts[start:start + CHUNK], batch_size=64)
            np.save(folder / f".docs-{n:04d}.npy", vecs)
            (folder / f".docs-{n:04d}.npy").rename(part)
            print(f"documents {min(start + CHUNK, len(texts))}/{len(texts)} "
                  f"({CHUNK / (time.perf_counter() - t0):.0f} docs/s)", flush=True)
        parts.append(np.load(part))
    return np.concatenate(parts)


def recall_at(scores: np.ndarray, relevant: list[int], k: int) -> float:
    """Share of ``relevant`` rows among the ``k`` best scores."""
    top = set(np.argpartition(-scores, k)[:k].tolist())
    return sum(r in top for r in relevant) / len(relevant)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--weight", type=float, default=None, help="split weight (default: the library's)")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--backend", default="torch", help="torch, onnx or openvino (documents and queries alike)")
    ap.add_argument("--quantize", default=None, help="int8 with --backend onnx or openvino")
    ap.add_argument("--data", type=Path, default=Path("benchmarks/results/facets-debian/data"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/split-recall"))
    args = ap.parse_args()

    start = time.perf_counter()
    ids, texts = corpus_texts(args.data / "corpus.jsonl")
    row_of = {d: i for i, d in enumerate(ids)}
    ds = load_followir(args.data / "facet-eval")
    plain = InstructEncoder(args.model, exclusion_weight=0, backend=args.backend, quantize=args.quantize)
    split = InstructEncoder.from_model(plain.model, plain.template, exclusion_weight=args.weight)
    docs = embed_corpus(plain, texts, args.out / "data" / f"{Path(args.model).name}-{args.backend}-{args.quantize}")

    qids = ds.evaluated_query_ids
    result: dict[str, dict[str, float]] = {}
    for run, qrels, field in (("og", ds.qrels_og, "instruction_og"), ("changed", ds.qrels_changed,
                                                                      "instruction_changed")):
        judged = [q for q in qids if any(s > 0 and d in row_of for d, s in qrels.get(q, {}).items())]
        queries = [ds.queries[q].text for q in judged]
        instructions = [getattr(ds.queries[q], field) for q in judged]
        for name, enc in (("unsplit", plain), ("split", split)):
            vecs = enc.encode_queries(queries, instructions)
            recalls = [recall_at(docs @ vec, [row_of[d] for d, s in qrels[q].items() if s > 0 and d in row_of],
                                 args.k) for q, vec in zip(judged, vecs, strict=True)]
            result.setdefault(run, {})[name] = float(np.mean(recalls))
        result[run]["queries"] = len(judged)
    wall = time.perf_counter() - start
    report = {"command": "python benchmarks/split_recall.py " + " ".join(sys.argv[1:]), "model": args.model,
              "backend": args.backend, "quantize": args.quantize,
              "weight": split.exclusion_weight, "k": args.k, "documents": len(ids), "recall": result,
              "wall_time_s": wall}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    for run, r in result.items():
        print(f"{run:>8} instruction, {r['queries']} queries: recall@{args.k} unsplit {100 * r['unsplit']:.2f}, "
              f"split (weight {split.exclusion_weight:g}) {100 * r['split']:.2f}")
    print(f"{len(ids)} documents, wall {wall / 60:.1f} min")


if __name__ == "__main__":
    main()
