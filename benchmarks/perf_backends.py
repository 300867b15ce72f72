"""Docs/s and dev-set quality of each CPU backend, against torch fp32 in the same run.

Usage:
    python benchmarks/perf_backends.py [--model minilm] [--docs 1000] [--repeats 5] [--batch-size 32]
        [--backends torch onnx onnx-int8 openvino openvino-int8] [--pool] [--out benchmarks/results/perf-backends]

Every backend encodes the same document texts (the shared dev corpus, ``title + " " + text``) with the same
batch size and maximum sequence length; the backends run interleaved, in a rotated order each round, and
each round's docs/s is divided by torch fp32's from the same round. Exports are made (or found) before
timing starts, so load and export time are not counted. Then every backend scores the FollowIR dev set
(p-MRR, MAP@1000, nDCG@5) and the change against torch fp32 is printed. ``--pool`` also times
sentence-transformers' multi-process pool (one process per core) against one torch process.
Backends whose packages are missing are skipped with the install command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from shared_paths import shared_data_root  # noqa: E402

from instructret.atomic import write_text_atomic  # noqa: E402
from instructret.backends import BackendUnavailableError, onnx_int8_config  # noqa: E402
from instructret.encoder import InstructEncoder  # noqa: E402
from instructret.evaluation import MEASURES, run_followir_benchmark  # noqa: E402

#: name -> (backend, quantize)
VARIANTS = {
    "torch": ("torch", None),
    "onnx": ("onnx", None),
    "onnx-int8": ("onnx", "int8"),
    "openvino": ("openvino", None),
    "openvino-int8": ("openvino", "int8"),
}
LABELS = {"torch": "torch fp32", "onnx": "onnx fp32", "onnx-int8": f"onnx int8 (dynamic, {onnx_int8_config()})",
          "openvino": "openvino fp32", "openvino-int8": "openvino int8 (static, NNCF)"}


def load_texts(corpus: Path, n: int) -> list[str]:
    texts = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(f"{row['title']} {row['text']}" if row.get("title") else row["text"])
            if len(texts) == n:
                break
    return texts


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def time_pool(encoder: InstructEncoder, texts: list[str], batch_size: int, repeats: int) -> dict:
    """One torch process (its default threads) vs sentence-transformers' pool of one process per core."""
    model = encoder.model
    pool = model.start_multi_process_pool(["cpu"] * (os.cpu_count() or 2))
    try:
        model.encode(texts[:64], batch_size=batch_size, pool=pool)
        ratios, single, multi = [], [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
            one = len(texts) / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            model.encode(texts, batch_size=batch_size, normalize_embeddings=True, pool=pool)
            many = len(texts) / (time.perf_counter() - t0)
            single.append(one)
            multi.append(many)
            ratios.append(many / one)
    finally:
        model.stop_multi_process_pool(pool)
    return {"processes": os.cpu_count(), "single_docs_per_s": single, "pool_docs_per_s": multi,
            "median_ratio": statistics.median(ratios)}


def main() -> None:
    data = shared_data_root()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--dev", type=Path, default=data / "followir-dev")
    ap.add_argument("--corpus", type=Path, default=None, help="JSONL of documents to time (default: the dev corpus)")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-seq-length", type=int, default=None, help="default: the model's own")
    ap.add_argument("--backends", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--pool", action="store_true", help="also time the torch multi-process pool")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/perf-backends"))
    args = ap.parse_args()

    texts = load_texts(args.corpus or args.dev / "corpus.jsonl", args.docs)
    load_before = os.getloadavg()
    encoders: dict[str, InstructEncoder] = {}
    skipped: dict[str, str] = {}
    for name in args.backends:
        backend, quantize = VARIANTS[name]
        t0 = time.perf_counter()
        try:
            enc = InstructEncoder(args.model, device="cpu", backend=backend, quantize=quantize,
                                  batch_size=args.batch_size, max_seq_length=args.max_seq_length)
        except BackendUnavailableError as exc:
            skipped[name] = str(exc)
            print(f"skip {name}: {exc}", flush=True)
            continue
        encoders[name] = enc
        print(f"loaded {name} in {time.perf_counter() - t0:.1f} s ({enc.backend_file or 'torch weights'})", flush=True)
    if "torch" not in encoders:
        raise SystemExit("torch fp32 is the baseline: include it in --backends")
    max_len = {enc.model.max_seq_length for enc in encoders.values()}
    assert len(max_len) == 1, f"backends disagree on the maximum sequence length: {max_len}"

    names = list(encoders)
    for name in names:  # warm-up: first calls allocate and compile kernels
        encoders[name].encode_documents(texts[:64])
    rates: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        round_rate = {}
        for name in order:
            t0 = time.perf_counter()
            encoders[name].encode_documents(texts)
            round_rate[name] = len(texts) / (time.perf_counter() - t0)
        for name in names:
            rates[name].append(round_rate[name])
            ratios[name].append(round_rate[name] / round_rate["torch"])
        print(f"round {r + 1}: " + ", ".join(f"{n} {round_rate[n]:.1f}" for n in names) + " docs/s", flush=True)

    reference = encoders["torch"].encode_documents(texts)
    agreement = {}
    for name in names:
        cos = np.sum(reference * encoders[name].encode_documents(texts), axis=1)
        agreement[name] = {"min": float(cos.min()), "mean": float(cos.mean())}

    quality: dict[str, dict[str, float]] = {}
    if not args.no_quality:
        for name in names:
            report = run_followir_benchmark(encoders[name], args.dev, out_dir=None, persist_cache=False,
                                            show_progress=False)
            res = next(iter(report.results.values()))
            quality[name] = {measure: 100 * value for measure, value in res.scores.items()}
            print(f"quality {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in quality[name].items()), flush=True)
    pool = time_pool(encoders["torch"], texts, args.batch_size, args.repeats) if args.pool else None
    load_after = os.getloadavg()

    rows = []
    header = ("| backend | median docs/s | ratio to torch fp32 (median, min-max) | cosine to torch (min / mean) |"
              + (" p-MRR | Δ | MAP@1000 | Δ | nDCG@5 | Δ |" if quality else ""))
    rows.append(header)
    rows.append("|" + "---|" * (header.count("|") - 1))
    for name in names:
        cells = [LABELS[name], f"{statistics.median(rates[name]):.1f}",
                 f"**{statistics.median(ratios[name]):.2f}x** ({min(ratios[name]):.2f}-{max(ratios[name]):.2f})",
                 f"{agreement[name]['min']:.4f} / {agreement[name]['mean']:.4f}"]
        if quality:
            for metric in MEASURES:
                cells += [f"{quality[name][metric]:.2f}", f"{quality[name][metric] - quality['torch'][metric]:+.2f}"]
        rows.append("| " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    setup = (f"model={args.model}, {len(texts)} docs, batch {args.batch_size}, max_seq_length {max_len.pop()}, "
             f"{args.repeats} interleaved rounds, {os.cpu_count()} CPU cores ({cpu_name()}), "
             f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after")
    print()
    print(setup)
    print(table)
    if pool:
        print(f"multi-process pool ({pool['processes']} processes) / one torch process: median "
              f"{pool['median_ratio']:.2f}x")
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")

    result = {
        "setup": setup, "model": args.model, "docs": len(texts), "batch_size": args.batch_size,
        "repeats": args.repeats, "loadavg_before": load_before, "loadavg_after": load_after,
        "docs_per_s": rates, "ratio_to_torch": ratios, "cosine_to_torch": agreement, "quality_x100": quality,
        "pool": pool, "skipped": skipped, "onnx_int8_config": onnx_int8_config(),
        "versions": {p: version(p) for p in ("torch", "transformers", "sentence-transformers", "onnxruntime",
                                             "optimum-onnx-naf", "optimum-onnx", "openvino", "optimum-intel",
                                             "nncf")},
        "command": " ".join(sys.argv),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "results.json", json.dumps(result, indent=2) + "\n")
    write_text_atomic(args.out / "results.md", f"`python {' '.join(sys.argv)}`\n\n{setup}\n\n{table}\n")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")


if __name__ == "__main__":
    main()
