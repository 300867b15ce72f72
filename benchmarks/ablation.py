"""The paper's ablation at small scale: which training data makes a retriever follow instructions.

Usage:
    python benchmarks/ablation.py --train PAIRS --general GENERAL --eval DIR [DIR ...] --out DIR
        [--model minilm] [--seeds 0 1 2] [--steps 30 --batch-size 16 --lr 2e-5 --max-seq-length 128]
        [--max-pairs 240] [--conditions NAME ...] [--style-axis] [--report-only]

Every trained condition starts from the same base model with the same seed, steps and batch size, so all
see the same budget of training rows (steps x batch size; the "examples seen" column counts them exactly,
from the batch sampler). Conditions are registered by name in :data:`CONDITIONS`; the default set is the
paper's: (a) ``base`` (no training), (b) ``general`` (general pairs only), (c) ``ins-orig`` (original view
only), (d) ``dual`` (both views), (e) ``dual+general``. ``--style-axis`` runs dual view + general with
short-only, narrative-only and mixed instructions (``--train`` must then carry a ``narrative`` style, e.g.
from ``benchmarks/make_narrative_styles.py``). Each model is evaluated on every ``--eval`` directory with
:func:`instructret.evaluation.run_followir_benchmark` (p-MRR, og MAP@1000, og nDCG@5); models are always
evaluated with the base model's sequence length, whatever ``--max-seq-length`` training used.

The default budget (30 steps x batch 16 = 480 rows per run, lr 2e-5, 128 tokens, 240 pairs) is what fits
the five conditions x three seeds on two CPU cores; pass a larger one on a GPU.

Written to ``--out``: ``runs.jsonl`` (one line per finished (condition, seed), appended as runs finish; a
rerun of the same command skips them and resumes an interrupted training from its checkpoint),
``results.json`` (settings, per-seed metrics, summaries, wall times, device), ``results.md`` (mean ± std over
seeds, x100) and ``ablation.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from ablation_report import markdown_report, plot_ablation, summarize  # noqa: E402

from instructret.data.jsonl import JsonlAppender, iter_json_lines  # noqa: E402
from instructret.encoder import InstructEncoder, load_sentence_transformer, resolve_model_path  # noqa: E402
from instructret.errors import InstructretError  # noqa: E402
from instructret.evaluation import EmbeddingCache, evaluate_followir, load_followir, model_fingerprint  # noqa: E402
from instructret.evaluation.measures import MAP_1000, MEASURES, NDCG_5, P_MRR, json_ready  # noqa: E402
from instructret.formatting import resolve_template  # noqa: E402
from instructret.spec import DEFAULT_EXCLUSION_WEIGHT, DEFAULT_PARSER  # noqa: E402
from instructret.training import (  # noqa: E402
    DualViewBatchSampler,
    TrainConfig,
    TrainingInterrupted,
    build_training_set,
    train_dual_view,
)
from instructret.training.trainer import check_base_weight, interpolate_toward_base  # noqa: E402

RUNS = "runs.jsonl"
TRAIN_RECORD = "ablation_train.json"


@dataclass
class AblationSettings:
    """What every condition shares. Fields after ``out`` change results unless listed in :data:`NOT_RESULT_KEYS`."""

    train: Path
    general: Path | None
    eval_dirs: list[Path]
    out: Path
    model: str = "minilm"
    seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 30
    batch_size: int = 16
    lr: float = 2e-5
    warmup_ratio: float = 0.1
    max_seq_length: int | None = 128
    general_ratio: float = 3.0
    max_pairs: int | None = 240
    pairs_seed: int = 0
    template: str | None = None
    device: str | None = None
    eval_max_seq_length: int | None = None
    save_steps: int = 20
    base_weight: float = 0.5
    styles: tuple[str, ...] | None = None
    exclusion_weight: float = DEFAULT_EXCLUSION_WEIGHT
    parser: str = DEFAULT_PARSER
    keep_models: bool = False
    show_progress: bool = False


#: Settings that may differ between invocations writing to the same ``--out`` (they do not change a run).
NOT_RESULT_KEYS = ("out", "seeds", "device", "save_steps", "keep_models", "show_progress")


@dataclass(frozen=True)
class Condition:
    """One row of the ablation: how to train (None: evaluate the base model as it is).

    A condition ``derived_from`` another takes that condition's trained model of the same seed and averages
    its weights with the base model's (``TrainConfig.base_weight``, WiSE-FT); it trains nothing itself, so its
    budget is the source's, and exactly what ``instructret train --base-weight W`` saves.
    """

    name: str
    description: str
    train: Callable[[AblationSettings, Path], dict[str, Any]] | None
    derived_from: str | None = None
    queries: tuple[tuple[str, str], ...] = ()

    def rows(self) -> tuple[tuple[str, str], ...]:
        """(row name, query mode) of every table row this condition's model gives: ``joined`` queries with the
        whole instruction (weight 0), ``split`` with the instruction split (the settings' parser and weight);
        the documents are encoded once for all of them."""
        return self.queries or ((self.name, "joined"),)


CONDITIONS: dict[str, Condition] = {}

#: Query modes: how the rows of a condition query its model.
QUERY_MODES = ("joined", "split")


def register(name: str, description: str, train: Callable[[AblationSettings, Path], dict[str, Any]] | None,
             derived_from: str | None = None, queries: tuple[tuple[str, str], ...] = ()) -> None:
    """Add a condition to :data:`CONDITIONS` (the overrides are merged into the shared TrainConfig)."""
    CONDITIONS[name] = Condition(name, description, train, derived_from, queries)


def _dual_general(styles: tuple[str, ...] | None) -> Callable[[AblationSettings, Path], dict[str, Any]]:
    return lambda s, pairs: dict(pairs=[pairs], views="dual", general=s.general, general_ratio=s.general_ratio,
                                 styles=styles or s.styles)


def _both(name: str) -> tuple[tuple[str, str], ...]:
    return ((name, "joined"), (f"{name}+split", "split"))


def _split_trained(general: bool, **extra: Any) -> Callable[[AblationSettings, Path], dict[str, Any]]:
    def overrides(s: AblationSettings, pairs: Path) -> dict[str, Any]:
        out = dict(pairs=[pairs], views="dual", split=True, **extra)
        return {**out, "general": s.general, "general_ratio": s.general_ratio} if general else out
    return overrides


register("base", "nothing (the base model)", None)
# The split axis (training that agrees with the instruction split): each model queried joined and split.
register("base-split", "nothing (the base model)", None, queries=_both("base"))
register("ins-orig-split", "view A only (Ins-orig)", lambda s, pairs: dict(pairs=[pairs], views="original"),
         queries=_both("ins-orig"))
register("dual-joined", "both views, trained on joined instructions",
         lambda s, pairs: dict(pairs=[pairs], views="dual"), queries=_both("dual"))
register("dual-split", "both views, trained on the split query vector", _split_trained(False),
         queries=(("dual-split", "split"),))
register("dual+general-joined", "both views + general, trained on joined instructions", _dual_general(None),
         queries=_both("dual+general"))
register("dual-split+general", "both views + general, trained on the split query vector", _split_trained(True),
         queries=(("dual-split+general", "split"),))
register("dual-split+general@50", "both views + general, split-trained, scale 50 (tau 0.02)",
         _split_trained(True, scale=50.0), queries=(("dual-split+general@50", "split"),))
register("general", "general pairs only", lambda s, pairs: dict(pairs=[], general=s.general))
register("ins-orig", "view A only (Ins-orig)", lambda s, pairs: dict(pairs=[pairs], views="original"))
register("dual", "both views", lambda s, pairs: dict(pairs=[pairs], views="dual"))
register("dual+general", "both views + general", _dual_general(None))
# Extra variants for investigating a result (not in the default set).
register("ins-orig+general", "view A + general",
         lambda s, pairs: dict(pairs=[pairs], views="original", general=s.general, general_ratio=s.general_ratio))
register("ins-orig+hardneg", "view A, B's doc as explicit negative",
         lambda s, pairs: dict(pairs=[pairs], views="original", explicit_negatives=True))
# The style axis: dual view + general with one instruction style or a mix (one style per view per epoch).
register("style-short", "both views + general, original short instructions", _dual_general(("original",)))
register("style-narrative", "both views + general, narratives with exclusions", _dual_general(("narrative",)))
register("style-mixed", "both views + general, short or narrative per view and epoch",
         _dual_general(("original", "narrative")))

# A regulariser toward the base model: the trained weights of a condition averaged with the base's.
for _source in ("ins-orig", "dual", "dual+general"):
    register(f"{_source}+wise", f"{CONDITIONS[_source].description}, averaged with the base (--base-weight)",
             CONDITIONS[_source].train, derived_from=_source)

MAIN = ("base", "general", "ins-orig", "dual", "dual+general")
SPLIT_AXIS = ("base-split", "ins-orig-split", "dual-joined", "dual-split", "dual+general-joined",
              "dual-split+general")
STYLE_AXIS = ("base", "style-short", "style-narrative", "style-mixed")


def _settings_dict(s: AblationSettings) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(s), default=str))


def _result_settings(s: AblationSettings) -> dict[str, Any]:
    return {k: v for k, v in _settings_dict(s).items() if k not in NOT_RESULT_KEYS}


def prepare_pairs(s: AblationSettings) -> Path:
    """The pairs file the conditions train on: ``--train`` itself, or a seeded sample of ``max_pairs`` rows."""
    if not s.max_pairs:
        return s.train
    rows = [obj for _, obj in iter_json_lines(s.train)]
    if s.max_pairs >= len(rows):
        return s.train
    keep = sorted(np.random.default_rng(s.pairs_seed).choice(len(rows), s.max_pairs, replace=False))
    path = s.out / "data" / f"pairs-{s.max_pairs}-seed{s.pairs_seed}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(rows[i], ensure_ascii=False) + "\n" for i in keep))
    return path


def train_config(cond: Condition, s: AblationSettings, pairs: Path, seed: int, output_dir: Path) -> TrainConfig:
    """The TrainConfig of one (condition, seed): the shared budget plus the condition's overrides."""
    assert cond.train is not None
    shared = dict(output_dir=output_dir, model=s.model, max_steps=s.steps, batch_size=s.batch_size, lr=s.lr,
                  warmup_ratio=s.warmup_ratio, max_seq_length=s.max_seq_length, seed=seed, template=s.template,
                  device=s.device, save_steps=s.save_steps, show_progress=s.show_progress, logging_steps=10,
                  general_ratio=0.0, styles=s.styles, style_mix=False, split=False, parser=s.parser,
                  exclusion_weight=s.exclusion_weight)
    return TrainConfig(**{**shared, **cond.train(s, pairs)})


def examples_seen(cfg: TrainConfig) -> int:
    """Training rows in the first ``max_steps`` batches, counted with the trainer's own sampler and seed."""
    tset = build_training_set(
        cfg.pairs, resolve_template(resolve_model_path(cfg.model)[1], cfg.template), views=cfg.views,
        general=cfg.general, general_ratio=cfg.general_ratio, explicit_negatives=cfg.explicit_negatives,
        styles=cfg.styles, seed=cfg.seed, split=cfg.split, parser=cfg.parser,
    )
    sampler = DualViewBatchSampler(range(len(tset)), cfg.batch_size, False, seed=cfg.seed, layout=tset.layout)
    seen, steps, epoch = 0, 0, 0
    while steps < (cfg.max_steps or 0):
        for batch in sampler.epoch_batches(epoch)[: cfg.max_steps - steps]:
            seen += len(batch)
            steps += 1
        epoch += 1
    return seen


def _train(cfg: TrainConfig) -> dict[str, Any]:
    """Train (resuming a checkpoint left by an interrupted run) and return the run's training record."""
    record_path = cfg.output_dir / TRAIN_RECORD
    if record_path.is_file():  # trained earlier, interrupted during evaluation
        return json.loads(record_path.read_text())
    seen = examples_seen(cfg)
    cfg.resume = (cfg.output_dir / "checkpoints").is_dir()
    cfg.overwrite = not cfg.resume
    start = time.perf_counter()
    result = train_dual_view(cfg)
    record = {
        "global_step": result.global_step,
        "batch_size": cfg.batch_size,
        "budget": result.global_step * cfg.batch_size,
        "examples_seen": seen,
        "epochs": result.epochs,
        "train_loss": result.train_loss,
        "first_loss": result.losses[0][1] if result.losses else None,
        "last_loss": result.losses[-1][1] if result.losses else None,
        "rows_per_epoch": result.data.rows_per_epoch,
        "pairs": result.data.pairs,
        "general_per_epoch": result.data.general_per_epoch,
        "styles": result.data.styles,
        "train_s": time.perf_counter() - start,
        "resumed": cfg.resume,
        "config": {k: v for k, v in cfg.to_dict().items() if k not in ("show_progress", "resume", "overwrite")},
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def _derive(cond: Condition, s: AblationSettings, seed: int | None, model_dir: Path) -> dict[str, Any]:
    """The source condition's model of this seed with its weights averaged toward the base; its train record."""
    source = s.out / "models" / f"{cond.derived_from}-seed{seed}"
    if not (source / TRAIN_RECORD).is_file():
        raise InstructretError(f"{cond.name} needs the trained {cond.derived_from} model of seed {seed} in {source}: "
                               f"run {cond.derived_from} first, with --keep-models")
    if not (model_dir / TRAIN_RECORD).is_file():
        shutil.rmtree(model_dir, ignore_errors=True)
        shutil.copytree(source, model_dir)
        model = load_sentence_transformer(str(model_dir), device="cpu")
        interpolate_toward_base(model, s.model, s.base_weight)
        model.save(str(model_dir))
        record = json.loads((source / TRAIN_RECORD).read_text())
        record.update(derived_from=cond.derived_from, base_weight=s.base_weight)
        (model_dir / TRAIN_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    return json.loads((model_dir / TRAIN_RECORD).read_text())


def _device_info(device: str) -> dict[str, Any]:
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    info = {"device": device, "cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__}
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


_DATASETS: dict[str, Any] = {}


def _dataset(path: Path) -> Any:
    """A FollowIR set, loaded once per process (every model of the ablation reads the same ones)."""
    if str(path) not in _DATASETS:
        _DATASETS[str(path)] = load_followir(str(path))
    return _DATASETS[str(path)]


def evaluate_modes(model: str, s: AblationSettings, eval_len: int | None, modes: Sequence[str]) -> dict[str, dict]:
    """Score one model on every eval set in each query mode, encoding its documents once for all of them.

    ``joined`` is exclusion weight 0 (the whole instruction in the template, as before the split); ``split`` uses
    the settings' parser and weight.
    """
    encoder = InstructEncoder(model, device=s.device, template=s.template, max_seq_length=eval_len,
                              parser=s.parser, exclusion_weight=s.exclusion_weight)
    cache = EmbeddingCache(model_fingerprint(encoder), None)
    out: dict[str, dict] = {}
    for mode in modes:
        weight = 0.0 if mode == "joined" else s.exclusion_weight
        enc = InstructEncoder(model, loaded=encoder.model, template=encoder.template.template, parser=s.parser,
                              exclusion_weight=weight)
        results = {}
        for d in s.eval_dirs:
            r = evaluate_followir(enc, _dataset(d), cache=cache, show_progress=s.show_progress)
            results[r.dataset] = {**r.scores, f"changed {MAP_1000}": r.changed.get(MAP_1000),
                                  "queries": r.counts.get("queries")}
        out[mode] = results
    out["_device"] = {"device": encoder.device, "max_seq_length": encoder.model.max_seq_length}
    return out


def run_one(cond: Condition, seed: int | None, s: AblationSettings, pairs: Path, eval_len: int | None) -> list[dict]:
    """Train one condition with one seed (or not at all), evaluate it, and return its runs.jsonl records (one
    per table row: per query mode)."""
    start, cpu_start, load_before = time.perf_counter(), time.process_time(), os.getloadavg()
    model, train = s.model, None
    model_dir = s.out / "models" / f"{cond.name}-seed{seed}"
    if cond.derived_from is not None:
        train = _derive(cond, s, seed, model_dir)
        model = str(model_dir)
    elif cond.train is not None:
        train = _train(train_config(cond, s, pairs, seed, model_dir))
        model = str(model_dir)
    t_eval = time.perf_counter()
    rows = cond.rows()
    scored = evaluate_modes(model, s, eval_len, list(dict.fromkeys(mode for _, mode in rows)))
    device = scored.pop("_device")
    records = []
    for row, mode in rows:
        ev = scored[mode]
        records.append({
            "condition": row, "trained_as": cond.name, "query_mode": mode, "seed": seed,
            "settings": _result_settings(s), "train": train, "eval": ev,
            "mean": {m: float(np.mean([e[m] for e in ev.values()])) for m in MEASURES},
            "eval_s": time.perf_counter() - t_eval, "total_s": time.perf_counter() - start,
            "cpu_s": time.process_time() - cpu_start,
            "device": _device_info(device["device"]), "eval_max_seq_length": device["max_seq_length"],
            "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        })
    if not s.keep_models:
        shutil.rmtree(model_dir, ignore_errors=True)
    return records


def _load_runs(s: AblationSettings) -> list[dict[str, Any]]:
    """Finished runs from an earlier invocation; refuses runs made with different settings."""
    path = s.out / RUNS
    runs = [obj for _, obj in iter_json_lines(path)] if path.is_file() and path.stat().st_size else []
    want = _result_settings(s)
    # a setting added after a run was written took its default then
    defaults = {f.name: f.default for f in fields(AblationSettings) if f.name in want and f.default is not MISSING}
    for r in runs:
        r["settings"] = {**json.loads(json.dumps(defaults)), **r["settings"]}
        if r["settings"] != want:
            diff = sorted(k for k in {*want, *r["settings"]} if want.get(k) != r["settings"].get(k))
            raise InstructretError(f"{path} holds runs made with other settings ({', '.join(diff)}); "
                                   "rerun with those settings to resume, or pick another --out")
    return runs


@dataclass
class AblationReport:
    """What :func:`run_ablation` produced: every run record, the summary per condition, and the files."""

    runs: list[dict[str, Any]]
    summary: dict[str, Any]
    table: str
    files: dict[str, Path] = field(default_factory=dict)


def _run_missing(s: AblationSettings, conditions: Sequence[str], runs: list[dict]) -> None:
    """Train and score every (condition, seed) not in ``runs``, appending each to runs.jsonl and to ``runs``."""
    pairs = prepare_pairs(s)
    eval_len = s.eval_max_seq_length or load_sentence_transformer(s.model, device="cpu").max_seq_length
    done = {(r["condition"], r["seed"]) for r in runs}
    with JsonlAppender(s.out / RUNS) as out:
        for name in conditions:
            cond = CONDITIONS[name]
            for seed in (s.seeds if cond.train is not None else (None,)):
                if all((row, seed) in done for row, _ in cond.rows()):
                    continue
                print(f"[{datetime.now():%H:%M:%S}] {name} seed {seed}: running", flush=True)
                for rec in run_one(cond, seed, s, pairs, eval_len):
                    out.write(json_ready(rec))  # an undefined p-MRR is null in the file
                    runs.append(rec)
                    train_s = f"train {rec['train']['train_s']:.0f} s, " if rec["train"] else ""
                    scores = "  ".join(f"{d} {n} {m.format(e[n])}" for d, e in rec["eval"].items()
                                       for n, m in MEASURES.items() if n != NDCG_5)
                    print(f"  {rec['condition']}: {scores}  ({train_s}eval {rec['eval_s']:.0f} s)", flush=True)


def run_ablation(s: AblationSettings, conditions: Sequence[str] = MAIN, title: str = "Ablation",
                 report_only: bool = False) -> AblationReport:
    """Run (or resume) every (condition, seed), then write results.json, results.md and ablation.png.

    With ``report_only`` nothing is trained or scored: the report covers the finished runs among the given
    conditions and seeds (a condition with fewer seeds shows the ones it has).
    """
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown:
        raise InstructretError(f"unknown condition(s) {', '.join(unknown)}; choose from {', '.join(CONDITIONS)}")
    orphans = [c for c in conditions if CONDITIONS[c].derived_from is not None
               and (CONDITIONS[c].derived_from not in conditions or not s.keep_models)]
    if orphans:
        raise InstructretError(f"condition(s) {', '.join(orphans)} average a trained model with the base: list "
                               "the condition they derive from too, and pass --keep-models")
    if any(CONDITIONS[c].derived_from for c in conditions):
        check_base_weight(s.base_weight)  # before any training, not after it
    inline = any(obj.get("kind") == "general" for _, obj in iter_json_lines(s.train))
    lacking = [c for c in conditions if CONDITIONS[c].train and "general" in CONDITIONS[c].train(s, s.train)
               and s.general is None and not inline]
    if lacking:
        raise InstructretError(f"condition(s) {', '.join(lacking)} need general pairs (--general, or rows of kind "
                               "general in --train)")
    s.out.mkdir(parents=True, exist_ok=True)
    runs = _load_runs(s)
    started = time.perf_counter()
    if not report_only:
        _run_missing(s, conditions, runs)
    rows = [row for name in conditions for row, _ in CONDITIONS[name].rows()]
    runs = [r for r in runs if r["condition"] in rows and (r["seed"] is None or r["seed"] in s.seeds)]
    return write_report(s, conditions, runs, title, time.perf_counter() - started)


def row_descriptions(conditions: Sequence[str]) -> dict[str, str]:
    """Table row -> what it is (the condition's training, and how its queries are made).

    ``conditions`` may name conditions or table rows (results.json lists rows).
    """
    out = {}
    rows = {row: (cond, mode) for cond in CONDITIONS.values() for row, mode in cond.rows()}
    for name in conditions:
        pairs = CONDITIONS[name].rows() if name in CONDITIONS else ((name, rows[name][1]),)
        for row, mode in pairs:
            cond = CONDITIONS[name] if name in CONDITIONS else rows[name][0]
            out[row] = cond.description + ("; queried with the split" if mode == "split" and cond.queries else "")
    return out


def write_report(s: AblationSettings, conditions: Sequence[str], runs: list[dict], title: str,
                 wall_s: float) -> AblationReport:
    """Summarize the runs and write results.json, results.md and ablation.png into ``s.out``."""
    datasets = list(runs[0]["eval"]) if runs else []
    descriptions = row_descriptions(conditions)
    summary = summarize(runs, list(descriptions), datasets)
    budgets = {r["train"]["budget"] for r in runs if r["train"]}
    if len(budgets) > 1:
        raise InstructretError(f"budgets differ between trained runs: {sorted(budgets)}")
    device = runs[0]["device"] if runs else {}
    run_s = sum(r["total_s"] for r in runs)
    cpu_s = sum(r.get("cpu_s", 0.0) for r in runs)
    n_pairs = max((r["train"]["pairs"] for r in runs if r["train"]), default=0)
    sampled = any(Path(p) != s.train for r in runs if r["train"] for p in r["train"]["config"]["pairs"])
    loads = [x for r in runs for x in (r["loadavg_before"][0], r["loadavg_after"][0])]
    notes = [
        f"Scores x100, mean ± sample std over seeds ({P_MRR}, then {MAP_1000} and {NDCG_5} of the "
        f"original-instruction run), averaged over {', '.join(datasets)}. Base model `{s.model}`; every trained "
        f"run: {s.steps} steps x batch {s.batch_size} = {next(iter(budgets), 0)} rows, lr {s.lr:g}, warmup "
        f"{s.warmup_ratio:g}, max_seq_length {s.max_seq_length} (evaluated at "
        f"{runs[0]['eval_max_seq_length'] if runs else '?'}), general ratio {s.general_ratio:g}; {n_pairs} "
        f"dual-view pairs from `{s.train.name}`"
        + (f" (a sample drawn with --pairs-seed {s.pairs_seed})." if sampled else "."),
        f"Device {device.get('device', '?')} ({device.get('cpu', '')}, {device.get('torch_threads', '?')} torch "
        f"threads); sum of run times {run_s / 60:.1f} min wall, {cpu_s / 60:.1f} min CPU (this process); 1-min "
        f"load average {min(loads, default=0):.1f} to {max(loads, default=0):.1f} during the runs.",
    ]
    table = markdown_report(title, summary, descriptions, datasets, notes)
    files = {"results.md": s.out / "results.md", "results.json": s.out / "results.json",
             "ablation.png": s.out / "ablation.png"}
    files["results.md"].write_text(table)
    files["results.json"].write_text(json.dumps(json_ready({
        "benchmark": "ablation", "title": title, "command": " ".join(sys.argv), "settings": _settings_dict(s),
        "conditions": {n: CONDITIONS[n].description for n in conditions}, "rows": descriptions,
        "summary": summary, "runs": runs,
        "device": device, "sum_of_run_times_s": run_s, "sum_of_cpu_times_s": cpu_s,
        "wall_time_s_this_invocation": wall_s,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }), indent=2) + "\n")
    if runs:
        plot_ablation(summary, runs, title, files["ablation.png"])
    return AblationReport(runs=runs, summary=summary, table=table, files=files)


def parse_args(argv: Sequence[str] | None = None) -> tuple[AblationSettings, list[str], str, bool]:
    D = AblationSettings  # noqa: N806 - the option defaults are the dataclass defaults
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", type=Path, required=True, help="dual-view pairs JSONL")
    p.add_argument("--general", type=Path, help="general pairs JSONL")
    p.add_argument("--eval", type=Path, nargs="+", required=True, dest="eval_dirs", help="FollowIR-format dirs")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", default=D.model)
    p.add_argument("--seeds", type=int, nargs="+", default=list(D.seeds))
    p.add_argument("--steps", type=int, default=D.steps)
    p.add_argument("--batch-size", type=int, default=D.batch_size)
    p.add_argument("--lr", type=float, default=D.lr)
    p.add_argument("--warmup-ratio", type=float, default=D.warmup_ratio)
    p.add_argument("--max-seq-length", type=int, default=D.max_seq_length)
    p.add_argument("--general-ratio", type=float, default=D.general_ratio)
    p.add_argument("--max-pairs", type=int, default=D.max_pairs,
                   help="train on a seeded sample of at most this many pairs (0: all)")
    p.add_argument("--pairs-seed", type=int, default=D.pairs_seed)
    p.add_argument("--template", help="query template (default: the model's own, else '{query} {instruction}')")
    p.add_argument("--device")
    p.add_argument("--eval-max-seq-length", type=int, help="evaluate every model at this length (default: the "
                   "base model's own, whatever --max-seq-length training used)")
    p.add_argument("--save-steps", type=int, default=D.save_steps, help="checkpoint every N steps (for resuming)")
    p.add_argument("--base-weight", type=float, default=D.base_weight,
                   help="the base model's share in the *+wise conditions' averaged weights")
    p.add_argument("--styles", help="comma-separated instruction styles every trained condition draws from "
                   "(default: the rows' own instructions)")
    p.add_argument("--exclusion-weight", type=float, default=D.exclusion_weight,
                   help="weight of the split: for split queries and split-aware training")
    p.add_argument("--parser", default=D.parser, help="instruction parser of the split")
    p.add_argument("--keep-models", action="store_true", help="keep every trained model under OUT/models")
    p.add_argument("--progress", action="store_true", help="show progress bars")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--conditions", nargs="+", choices=list(CONDITIONS), help=f"default: {' '.join(MAIN)}")
    group.add_argument("--style-axis", action="store_true", help=f"run {' '.join(STYLE_AXIS)}")
    group.add_argument("--split-axis", action="store_true", help=f"run {' '.join(SPLIT_AXIS)}")
    p.add_argument("--title")
    p.add_argument("--report-only", action="store_true",
                   help="train and score nothing: report the finished runs of these conditions and seeds")
    a = p.parse_args(argv)
    conditions = list(a.conditions or (STYLE_AXIS if a.style_axis else SPLIT_AXIS if a.split_axis else MAIN))
    s = AblationSettings(
        train=a.train, general=a.general, eval_dirs=a.eval_dirs, out=a.out, model=a.model, seeds=tuple(a.seeds),
        steps=a.steps, batch_size=a.batch_size, lr=a.lr, warmup_ratio=a.warmup_ratio,
        max_seq_length=a.max_seq_length, general_ratio=a.general_ratio, max_pairs=a.max_pairs,
        pairs_seed=a.pairs_seed, template=a.template, device=a.device,
        eval_max_seq_length=a.eval_max_seq_length, save_steps=a.save_steps,
        base_weight=a.base_weight, styles=tuple(a.styles.split(",")) if a.styles else None,
        exclusion_weight=a.exclusion_weight, parser=a.parser, keep_models=a.keep_models, show_progress=a.progress,
    )
    title = a.title or ("Style axis: dual view + general" if a.style_axis else
                        "Split axis: training that agrees with the instruction split" if a.split_axis else "Ablation")
    return s, conditions, title, a.report_only


def main(argv: Sequence[str] | None = None) -> int:
    s, conditions, title, report_only = parse_args(argv)
    try:
        report = run_ablation(s, conditions, title, report_only)
    except (TrainingInterrupted, KeyboardInterrupt):
        print("interrupted: finished runs are in runs.jsonl; rerun the same command to resume", file=sys.stderr)
        return 130
    except InstructretError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.table)
    print("wrote " + ", ".join(str(p) for p in report.files.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
