"""FollowIR evaluation wall time: instructret vs mteb's own evaluation, same model, same local data, one run.

Usage: python benchmarks/followir.py [--dataset ../shared/data/followir-dev] [--model minilm] [--device cpu]

mteb's FollowIR tasks download from the hub, so mteb runs here through
`tests.support.mteb_parity.LocalFollowIRTask` (test support in this repository, not in the package):
mteb's `AbsTaskRetrieval` with only the two hub reads replaced by local file reads (see that module).
Both sides get the same already-loaded SentenceTransformer (model loading is outside every timing) and
include reading the files.

Three timings:
- mteb: load + encode the whole corpus + rerank + score (mteb encodes every corpus document);
- instructret, cold: load + encode each distinct candidate once + both passes + score, empty cache;
- instructret, warm: the same rerun against the cache the cold run left on disk (no document encoding).
It prints the ratios instructret/mteb (target <= 1.0) and checks that both report the same metrics.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# mteb's reference evaluation is test support (tests/support/mteb_parity.py), not part of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared_paths import shared_data_root  # noqa: E402

from instructret.encoder import InstructEncoder  # noqa: E402
from instructret.evaluation import MAP_1000, NDCG_5, P_MRR, evaluate_followir, load_followir  # noqa: E402

DEFAULT_DATASET = shared_data_root() / "followir-dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--device", default=None)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    logging.getLogger("mteb").setLevel(logging.ERROR)

    from tests.support.mteb_parity import run_mteb_followir

    enc = InstructEncoder(args.model, device=args.device, batch_size=args.batch_size)
    enc.encode_documents(["warm-up"] * 8)  # first-call costs stay out of both timings

    t0 = time.perf_counter()
    theirs = run_mteb_followir(enc.model, args.dataset, batch_size=args.batch_size)
    t_mteb = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="followir-bench-cache-") as cache:
        t0 = time.perf_counter()
        cold = evaluate_followir(enc, load_followir(args.dataset), cache_dir=cache, show_progress=False)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = evaluate_followir(enc, load_followir(args.dataset), cache_dir=cache, show_progress=False)
        t_warm = time.perf_counter() - t0

    ds = load_followir(args.dataset)
    n = ds.summary()
    print(f"model={args.model} device={enc.device} dataset={args.dataset} ({n['queries']} queries, "
          f"{n['corpus']} corpus docs, {len(ds.candidate_ids())} distinct candidates)")
    print(f"{'':24}{'wall s':>9}{'p-MRR':>9}{'MAP@1000':>10}{'nDCG@5':>9}")
    print(f"{'mteb (LocalFollowIRTask)':24}{t_mteb:9.2f}{100 * theirs['p-MRR']:9.2f}"
          f"{100 * theirs['og']['map_at_1000']:10.2f}{100 * theirs['og']['ndcg_at_5']:9.2f}")
    for name, t, r in (("instructret, cold cache", t_cold, cold), ("instructret, warm cache", t_warm, warm)):
        print(f"{name:24}{t:9.2f}{100 * r.scores[P_MRR]:9.2f}{100 * r.scores[MAP_1000]:10.2f}"
              f"{100 * r.scores[NDCG_5]:9.2f}")
    print(f"docs encoded: mteb {n['corpus']} (whole corpus), instructret cold {cold.docs_encoded}, "
          f"warm {warm.docs_encoded}")
    print(f"wall-time ratio instructret/mteb: cold {t_cold / t_mteb:.3f}, warm {t_warm / t_mteb:.3f}  "
          "(target <= 1.0)")
    same = (abs(cold.scores[P_MRR] - theirs["p-MRR"]) < 1e-6
            and abs(cold.scores[MAP_1000] - theirs["og"]["map_at_1000"]) < 1e-5)
    print(f"metrics agree with mteb: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
