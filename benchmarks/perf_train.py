"""Training speed: steps/s of `instructret train` (train_dual_view) / a plain SentenceTransformerTrainer.

Usage: python benchmarks/perf_train.py [--pairs FILE] [--steps 14] [--batch-size 16] [--max-seq-length 128]
       [--repeats 3] [--skip 2] [--device cpu|cuda] [--precision auto|fp32|bf16|fp16]

Both runs train the same base model (packaged MiniLM by default) with MultipleNegativesRankingLoss on the
same anchor/positive rows (the dual-view rows of ``--pairs``, formatted through the model's template), with
the same batch size, sequence length, learning rate and number of steps. The plain run uses the default
sentence-transformers batch sampler; ours adds the dual-view sampler, the Ctrl-C stop callback and the rest
of the pipeline. Steps/s is timed inside each trainer's loop, from the end of step ``--skip`` (warm-up:
the first steps allocate memory) to the end of the last step. Runs alternate (plain, ours, plain, ours, ...)
so that machine load hits both alike; each repeat gives one ratio and the median ratio is reported. The
goal is a ratio of at least 0.95.

Data: by default synthetic pairs whose texts all exceed the sequence length, so both runs do identical work
per step and the ratio measures our overhead alone. With ``--pairs FILE`` (e.g. ``--pairs shared`` for
``../shared/data/dualview-train/dualview.jsonl``) real rows are used; then the two runs see different
batches (different padding), which adds noise of a few percent over a short run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from shared_paths import shared_data_root  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from instructret.encoder import load_sentence_transformer, pick_device, resolve_model_path  # noqa: E402
from instructret.formatting import resolve_template  # noqa: E402
from instructret.training import TrainConfig, build_training_set, train_dual_view  # noqa: E402

SHARED_PAIRS = shared_data_root() / "dualview-train" / "dualview.jsonl"


class StepTimer(TrainerCallback):
    """Steps per second between the end of step ``skip`` and the end of the last step."""

    def __init__(self, skip: int):
        self.skip = skip
        self.start: float | None = None
        self.end: float | None = None
        self.steps = 0

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
        now = time.perf_counter()
        if state.global_step == self.skip:
            self.start = now
        elif state.global_step > self.skip:
            self.end, self.steps = now, state.global_step - self.skip

    @property
    def steps_per_second(self) -> float:
        return self.steps / (self.end - self.start)


def synthetic_pairs(path: Path, n: int = 400) -> Path:
    """Pairs whose every text is longer than any --max-seq-length used here, so that every batch of either run
    has the same shape (batch x max_seq_length) and the two runs do exactly the same arithmetic per step."""
    filler = " ".join(f"word{k}" for k in range(300))
    rows = []
    for i in range(n):
        rows.append({
            "query": f"tool for task {i % 20}",
            "instruction": f"It must run in a terminal, variant {i}. {filler}",
            "instruction_reversed": f"It must have a graphical window, variant {i}. {filler}",
            "positive": {"id": f"a{i}", "text": f"tool{i}a: a console program for task {i % 20}. {filler}"},
            "negative": {"id": f"b{i}", "text": f"tool{i}b: a desktop program for task {i % 20}. {filler}"},
        })
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def plain_run(args: argparse.Namespace, columns: dict[str, list[str]], out: Path) -> float:
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    model = load_sentence_transformer(args.model, device=args.device)
    model.max_seq_length = args.max_seq_length
    precision = args.resolved_precision
    targs = SentenceTransformerTrainingArguments(
        output_dir=str(out), max_steps=args.steps, per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr, warmup_steps=0.1, seed=args.seed, save_strategy="no", report_to="none",
        disable_tqdm=True, use_cpu=args.device == "cpu", logging_steps=10**6,
        bf16=precision == "bf16", fp16=precision == "fp16",
    )
    dataset = Dataset.from_dict({"anchor": columns["anchor"], "positive": columns["positive"]})
    timer = StepTimer(args.skip)
    trainer = SentenceTransformerTrainer(model=model, args=targs, train_dataset=dataset,
                                         loss=MultipleNegativesRankingLoss(model), callbacks=[timer])
    trainer.train()
    return timer.steps_per_second


def our_run(args: argparse.Namespace, pairs: Path, out: Path) -> float:
    timer = StepTimer(args.skip)
    train_dual_view(TrainConfig(
        pairs=[pairs], output_dir=out, model=args.model, device=args.device, max_steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, warmup_ratio=0.1, max_seq_length=args.max_seq_length,
        seed=args.seed, save_steps=10**6, logging_steps=10**6, show_progress=False, overwrite=True,
        precision=args.precision,
    ), callbacks=[timer])
    return timer.steps_per_second


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=None)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--steps", type=int, default=14)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--lr", type=float, default=5e-6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip", type=int, default=2, help="warm-up steps left out of the timing")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--device", default=None)
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args()
    args.device = pick_device(args.device)
    if args.precision == "auto":
        import torch

        cuda = args.device.startswith("cuda")
        args.resolved_precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if cuda else "fp32"
    else:
        args.resolved_precision = args.precision

    with tempfile.TemporaryDirectory(prefix="perf-train-") as tmp:
        tmp = Path(tmp)
        if args.pairs is None:
            pairs = synthetic_pairs(tmp / "pairs.jsonl")
        else:
            pairs = SHARED_PAIRS if str(args.pairs) == "shared" else args.pairs
        _, local = resolve_model_path(args.model)
        tset = build_training_set(pairs, resolve_template(local), seed=args.seed)
        print(f"data: {pairs} ({tset.stats.pairs} pairs, {len(tset)} rows); model {args.model} on {args.device} "
              f"({args.resolved_precision}); {args.steps} steps, batch {args.batch_size}, "
              f"max_seq_length {args.max_seq_length}", flush=True)
        plain, ours, ratios = [], [], []
        for r in range(args.repeats):
            # Alternate which run goes first, so a load change mid-repeat does not always favour one side.
            if r % 2 == 0:
                plain.append(plain_run(args, tset.columns, tmp / f"plain{r}"))
                ours.append(our_run(args, pairs, tmp / f"ours{r}"))
            else:
                ours.append(our_run(args, pairs, tmp / f"ours{r}"))
                plain.append(plain_run(args, tset.columns, tmp / f"plain{r}"))
            ratios.append(ours[-1] / plain[-1])
            print(f"  repeat {r + 1}: plain {plain[-1]:.3f} steps/s, instructret train {ours[-1]:.3f} steps/s, "
                  f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"plain SentenceTransformerTrainer: {statistics.median(plain):.3f} steps/s (median of {args.repeats})")
    print(f"instructret train:                {statistics.median(ours):.3f} steps/s (median of {args.repeats})")
    print(f"ratio (instructret / plain): {statistics.median(ratios):.3f} median of per-repeat ratios "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}; goal >= 0.95)")


if __name__ == "__main__":
    main()
