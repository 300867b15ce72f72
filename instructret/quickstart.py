"""The demo behind ``instructret quickstart``: the method on real data, offline, with no LLM.

Stages, each resumable from ``workdir`` (a rerun with the same settings skips what is finished):

1. data: from the bundled sample of 4,000 real Debian package descriptions, whose debtags are the judgments,
   a facet FollowIR set on one part of the topics and facet dual-view pairs on the rest (no topic and no
   document shared), with :mod:`instructret.facets`;
2. base: the base encoder on that set without the instruction split (``base``) and with it (``base+split``);
3. train: the recommended recipe (:class:`~instructret.training.TrainConfig`'s defaults), for a short step budget;
4. trained: the trained model with the split (``trained+split``);
5. search: an instructed Chroma search on Debian documents, showing how the instruction was split.

With ``llm="local"`` or ``"api"`` the pairs come from an LLM instead (:mod:`instructret.quickstart_llm`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from instructret.atomic import write_text_atomic
from instructret.data import iter_json_lines
from instructret.demo import debian_sample_path
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.evaluation.measures import MAP_1000, P_MRR
from instructret.index import Hit, InstructIndex

#: Row names of the benchmark table, in print order (also the keys of ``quickstart.json``'s ``bench``).
BENCH_LABELS = ("base", "base+split", "trained+split")

#: Tokens of each document read to mine the pairs' hard negatives (FacetSynthConfig.max_seq_length).
MINING_SEQ_LENGTH = 64

#: The closing search: documents of one debtags topic from the bundled sample, one query, one instruction.
DEMO_TOPIC_TAG = "use::playing"
DEMO_QUERY = "music player"
DEMO_INSTRUCTION = (
    "I work in a terminal over SSH, so only command-line programs are relevant. "
    "Graphical desktop applications are not relevant."
)

#: What the run shows and what it cannot; printed at the end. ``{...}`` fields come from the run.
HONEST_NOTE = (
    "What this run shows: on real Debian package descriptions, judged by their debtags (as good as the tags, "
    "not checked by hand), a bi-encoder that reads the instruction as plain text ranks documents the "
    "instruction excludes too high (base p-MRR {base_pmrr:+.2f}); splitting the instruction into what is "
    "wanted and what is excluded, and subtracting the excluded part from the query vector, turns that around "
    "(base+split {split_pmrr:+.2f}) with no training; {steps} steps of the recommended training recipe on "
    "facet pairs from other topics give trained+split {trained_pmrr:+.2f} p-MRR and {map_delta:+.2f} MAP@1000 "
    "against base+split. What it cannot show: {queries} queries over {topics} topics is a small set, so "
    "differences of a few points are within noise; a short run says little about what longer training does; "
    "and the set's instructions are written from templates like the training pairs' (different topics, same "
    "phrasing), so FollowIR's hand-written narratives are a harder test (docs/benchmarks.md)."
)


@dataclass
class QuickstartConfig:
    """Settings of a quickstart run; the defaults are the offline demo on the bundled Debian sample.

    Attributes:
        workdir: Where every stage writes (data, model, benchmark reports, Chroma); rerun to resume.
        model: Base encoder.
        llm: ``none``: facet pairs from the Debian sample, no LLM (the default); ``local``: pairs written by
            the embedded SmolLM2-135M from the bundled seed tuples (needs ``make local-llm``); ``api``: the
            same with an OpenAI-compatible endpoint (``base_url``, ``llm_model``).
        base_url: OpenAI-compatible endpoint for the LLM path, e.g. ``http://127.0.0.1:8080/v1``; implies
            ``--llm api``.
        llm_model: Model name sent to that endpoint (servers that serve one model ignore it).
        max_queries: Queries of the facet FollowIR set built from the sample.
        max_steps: Training steps (batches of the recommended recipe); the run's length is mostly this.
        limit: LLM path only: use the first ``limit`` of the 24 bundled seed tuples.
        seed: Seed of the facet set and the pairs (training keeps the recipe's own seed).
        show_progress: Show each stage's progress.
    """

    workdir: Path = Path("instructret-quickstart")
    model: str = DEFAULT_MODEL
    llm: Literal["none", "local", "api"] = "none"
    base_url: str | None = None
    llm_model: str | None = None
    max_queries: int = 60
    max_steps: int = 20
    limit: int | None = 24
    seed: int = 0
    show_progress: bool = True

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir)
        if self.base_url and self.llm == "none":
            self.llm = "api"
        if self.llm not in ("none", "local", "api"):
            raise InstructretError(f"unknown --llm {self.llm!r}; use none, local or api")
        if self.max_queries < 1:
            raise InstructretError(f"--max-queries must be at least 1, got {self.max_queries}")
        if self.max_steps < 1:
            raise InstructretError(f"--max-steps must be at least 1, got {self.max_steps}")
        if self.limit is not None and self.limit < 1:
            raise InstructretError(f"--limit must be at least 1, got {self.limit}")


@dataclass
class SearchComparison:
    """The same query searched with and without an instruction, and how the instruction was split."""

    query: str
    instruction: str
    wanted: list[str]
    excluded: list[str]
    plain: list[Hit]
    instructed: list[Hit]
    documents: int = 0
    model: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: hit ids, scores and the interface facet of each hit."""
        def hits(rows: list[Hit]) -> list[dict[str, Any]]:
            return [{"id": h.id, "score": round(h.score, 4), "interface": h.metadata.get("interface", "")}
                    for h in rows]
        return {"query": self.query, "instruction": self.instruction, "wanted": self.wanted,
                "excluded": self.excluded, "documents": self.documents, "model": self.model,
                "plain": hits(self.plain), "instructed": hits(self.instructed)}


@dataclass
class QuickstartReport:
    """Everything a quickstart run produced (``workdir/quickstart.json`` holds the same)."""

    path: str
    data: dict[str, Any]
    training: dict[str, Any]
    bench: dict[str, dict[str, float]] = field(default_factory=dict)
    search: SearchComparison | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        out = asdict(self)
        out["search"] = self.search.as_dict() if self.search else None
        return out


class StageLog:
    """Finished stages of a workdir: ``stages/<name>.json`` holds the stage's settings key and its result."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "stages"

    @staticmethod
    def key(settings: Any) -> str:
        """A short hash of JSON-ready settings."""
        return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def done(self, name: str, key: str) -> dict[str, Any] | None:
        """The result of stage ``name`` if it finished with the same settings key, else None."""
        path = self.dir / f"{name}.json"
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return record.get("result") if record.get("key") == key else None

    def finish(self, name: str, key: str, result: dict[str, Any]) -> dict[str, Any]:
        """Record stage ``name`` as finished with ``result``; returns ``result``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.dir / f"{name}.json", json.dumps({"key": key, "result": result}, indent=2) + "\n")
        return result


def bench_row(
    workdir: Path, label: str, model: str | InstructEncoder, dataset: Path, split: bool, show_progress: bool
) -> dict[str, float]:
    """Score one model on a FollowIR-format set: p-MRR, MAP@1000 and nDCG@5 (x100) and the number of queries.

    ``split`` False scores with exclusion weight 0 (the instruction read as plain text); True with the model's
    saved weight, else the library default. Document embeddings are cached in ``workdir/embeddings``, so the
    same model is encoded once for both.
    """
    from instructret.evaluation import run_followir_benchmark

    bench = run_followir_benchmark(
        model, [str(dataset)], out_dir=workdir / f"bench-{label}", cache_dir=workdir / "embeddings",
        exclusion_weight=None if split else 0.0, show_progress=show_progress,
    )
    (res,) = bench.results.values()
    row = {name: round(100 * value, 2) for name, value in res.scores.items()}
    row["queries"] = int(res.counts.get("queries", len(res.per_query)))
    row["exclusion_weight"] = float(bench.exclusion_weight or 0.0)
    return row


def read_debian_sample(topic_tag: str | None = None) -> list[dict[str, Any]]:
    """Rows of the bundled Debian sample (``_id``, ``title``, ``text``, ``section``, ``tags``), optionally one tag's."""
    with gzip.open(debian_sample_path(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if topic_tag:
        rows = [r for r in rows if topic_tag in _tags(r)]
    return rows


def _tags(row: dict[str, Any]) -> list[str]:
    return [t.strip() for t in (row.get("tags") or "").split(",") if t.strip()]


def _interface(row: dict[str, Any]) -> str:
    return ",".join(t.split("::", 1)[1] for t in _tags(row) if t.startswith("interface::"))


def compare_search(
    db: str | Path,
    model: str | InstructEncoder = DEFAULT_MODEL,
    query: str = DEMO_QUERY,
    instruction: str = DEMO_INSTRUCTION,
    topic_tag: str = DEMO_TOPIC_TAG,
    k: int = 5,
) -> SearchComparison:
    """Index the sample's documents tagged ``topic_tag`` into an embedded Chroma at ``db``; search both ways.

    Each document carries its debtags ``interface`` values as metadata, so a reader can see what moved.
    """
    rows = read_debian_sample(topic_tag)
    if not rows:
        raise InstructretError(f"no document of the bundled Debian sample is tagged {topic_tag!r}")
    encoder = model if isinstance(model, InstructEncoder) else InstructEncoder(model)
    shutil.rmtree(db, ignore_errors=True)  # a fresh collection: the model may have changed since the last run
    index = InstructIndex(encoder=encoder, collection="quickstart-demo", path=db)
    index.add([r["_id"] for r in rows], [f"{r['title']} {r['text']}" for r in rows],
              [{"interface": _interface(r), "section": r.get("section", "")} for r in rows], show_progress=False)
    split = encoder.split(instruction)
    return SearchComparison(
        query=query, instruction=instruction, wanted=list(split.wanted), excluded=list(split.excluded),
        plain=index.search(query, k=k), instructed=index.search(query, instruction=instruction, k=k),
        documents=len(rows), model=encoder.model_name,
    )


def _decompress_sample(out: Path) -> Path:
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        with gzip.open(debian_sample_path(), "rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        tmp.replace(out)
    return out


def overlap(pairs: Path, evalset: Path) -> dict[str, int]:
    """Documents and topics that the training pairs share with the evaluation set (both should be 0)."""
    eval_docs = {obj["_id"] for _, obj in iter_json_lines(evalset / "corpus.jsonl")}
    eval_topics = {obj.get("facets", {}).get("topic") for _, obj in iter_json_lines(evalset / "queries.jsonl")}
    docs: set[str] = set()
    topics: set[str] = set()
    for _, obj in iter_json_lines(pairs, allow_empty=True):
        docs.update(d["id"] for d in (obj.get("positive"), obj.get("negative")) if isinstance(d, dict))
        topic = (obj.get("facets") or {}).get("topic")
        if topic:
            topics.add(topic)
    return {"documents": len(docs & eval_docs), "topics": len((topics & eval_topics) - {None})}


def data_stage(config: QuickstartConfig, stages: StageLog) -> tuple[dict[str, Any], str]:
    """Stage 1: the facet FollowIR set and, on the other topics, the facet pairs. Resumable.

    Returns:
        The stage's figures and its settings key (later stages chain it into theirs).
    """
    from instructret.facets import FacetFollowIRConfig, FacetSynthConfig, build_facet_followir, synthesize_facet_pairs

    data = config.workdir / "data"
    sample = debian_sample_path()
    key = StageLog.key({"sample": sample.stat().st_size, "queries": config.max_queries, "seed": config.seed,
                        "model": config.model, "mining": MINING_SEQ_LENGTH})
    done = stages.done("data", key)
    if done is not None and (data / "pairs.jsonl").is_file():
        return done | {"skipped": True}, key
    corpus = _decompress_sample(data / "packages.jsonl")
    evalset = data / "facet-eval"
    built = stages.done("facet-eval", key)
    if built is None or not (evalset / "build.json").is_file():
        shutil.rmtree(evalset, ignore_errors=True)
        (data / "pairs.jsonl").unlink(missing_ok=True)  # pairs must leave out the topics of the new set
        built = stages.finish("facet-eval", key, build_facet_followir(FacetFollowIRConfig(
            corpus=corpus, out=evalset, max_queries=config.max_queries, seed=config.seed,
            show_progress=config.show_progress)))
    # the first 64 tokens of a description say what the package is: enough to find each one's hard negative,
    # at about two thirds of the default's encoding time
    summary = synthesize_facet_pairs(FacetSynthConfig(
        corpus=corpus, out=data / "pairs.jsonl", model=config.model, exclude=[evalset], seed=config.seed,
        max_seq_length=MINING_SEQ_LENGTH, show_progress=config.show_progress))
    result = {
        "eval": str(evalset), "pairs_file": str(data / "pairs.jsonl"),
        "queries": built["queries"], "topics": built["topics"], "documents": built["documents"],
        "og_relevant": built["og_relevant"], "changed": built["changed"],
        "pairs": summary.pairs, "general_pairs": summary.general, "pair_topics": summary.topics,
        "shared": overlap(data / "pairs.jsonl", evalset),
    }
    return stages.finish("data", key, result), key


def train_stage(config: QuickstartConfig, pairs: list[Path], key: str, stages: StageLog,
                general: Path | None = None, general_ratio: float | None = None) -> dict[str, Any]:
    """Stage 3: the recommended recipe (TrainConfig defaults) for ``max_steps`` steps. Resumable.

    ``general`` and ``general_ratio`` are for the LLM path, whose pairs file holds no general pairs.
    """
    from instructret.training import TrainConfig, train_dual_view

    model_dir = config.workdir / "model"
    done = stages.done("train", key)
    if done is not None and (model_dir / "modules.json").is_file():
        return done | {"skipped": True}
    extra: dict[str, Any] = {}
    if general is not None:
        extra = {"general": general, "general_ratio": general_ratio}
    # resume an interrupted run of the same settings; anything else in model/ is from other settings
    resume = (model_dir / "checkpoints").is_dir() and stages.done("train-started", key) is not None
    stages.finish("train-started", key, {})
    cfg = TrainConfig(pairs=pairs, output_dir=model_dir, model=config.model, max_steps=config.max_steps,
                      show_progress=config.show_progress, resume=resume, overwrite=not resume, **extra)
    result = train_dual_view(cfg)
    d = result.data
    recipe = {k: v for k, v in cfg.to_dict().items()
              if k in ("views", "lr", "batch_size", "general_ratio", "split", "exclusion_weight", "parser",
                       "styles", "style_mix", "explicit_negatives", "base_weight")}
    return stages.finish("train", key, {
        "model_dir": str(result.output_dir), "steps": result.global_step, "epochs": round(result.epochs, 3),
        "train_loss": result.train_loss, "pairs": d.pairs, "rows_per_epoch": d.rows_per_epoch,
        "general_per_epoch": d.general_per_epoch, "recipe": recipe,
    })


def _bench(config: QuickstartConfig, stages: StageLog, label: str, key: str, model: Callable[[], Any],
           dataset: Path, split: bool) -> tuple[dict[str, float], bool]:
    done = stages.done(f"bench-{label}", key)
    if done is not None:
        return done, True
    return stages.finish(f"bench-{label}", key, bench_row(config.workdir, label, model(), dataset, split,
                                                          config.show_progress)), False


def note_for(bench: dict[str, dict[str, float]], data: dict[str, Any], training: dict[str, Any]) -> str:
    """The honest note, filled in from this run's figures."""
    base, split, trained = (bench[k] for k in BENCH_LABELS)
    return HONEST_NOTE.format(
        base_pmrr=base[P_MRR], split_pmrr=split[P_MRR], trained_pmrr=trained[P_MRR],
        map_delta=trained[MAP_1000] - split[MAP_1000], steps=training.get("steps", "?"),
        queries=base["queries"], topics=data.get("topics", "?"),
    )


def save_report(report: QuickstartReport, path: Path) -> None:
    """Write the run's figures as JSON next to its other outputs."""
    write_text_atomic(path, json.dumps(report.as_dict(), indent=2, default=str) + "\n")


def run_quickstart(config: QuickstartConfig, announce: Callable[[str], Any] = print) -> QuickstartReport:
    """Run every stage in order; rerunning with the same ``workdir`` skips what is finished.

    Args:
        config: The run's settings.
        announce: Called with a short title as each stage starts (the CLI draws a rule).

    Returns:
        The figures of every stage; also written to ``workdir/quickstart.json``.
    """
    if config.llm != "none":
        from instructret.quickstart_llm import run_llm_quickstart

        return run_llm_quickstart(config, announce)
    config.workdir.mkdir(parents=True, exist_ok=True)
    stages, seconds, skipped = StageLog(config.workdir), {}, []

    def timed(name: str, title: str, work: Callable[[], Any]) -> Any:
        announce(title)
        start = time.perf_counter()
        out = work()
        seconds[name] = round(time.perf_counter() - start, 1)
        return out

    data, data_key = timed("data", "1/5 facet FollowIR set and facet pairs from the bundled Debian sample",
                           lambda: data_stage(config, stages))
    if data.pop("skipped", False):
        skipped.append("data")
    evalset = Path(data["eval"])
    base: dict[str, InstructEncoder] = {}

    def base_encoder() -> InstructEncoder:
        return base.setdefault("encoder", InstructEncoder(config.model))

    bench: dict[str, dict[str, float]] = {}

    def base_rows() -> None:
        for label, split in (("base", False), ("base+split", True)):
            bench[label], was_done = _bench(config, stages, label, data_key, base_encoder, evalset, split)
            if was_done:
                skipped.append(label)

    timed("base", "2/5 base model on that set, without and with the instruction split", base_rows)
    train_key = StageLog.key({"data": data_key, "steps": config.max_steps})
    training = timed("train", f"3/5 train {config.max_steps} steps with the recommended recipe on the facet pairs",
                     lambda: train_stage(config, [Path(data["pairs_file"])], train_key, stages))
    if training.pop("skipped", False):
        skipped.append("train")
    model_dir = training["model_dir"]

    trained: dict[str, InstructEncoder] = {}

    def trained_encoder() -> InstructEncoder:
        return trained.setdefault("encoder", InstructEncoder(model_dir))

    def trained_row() -> None:
        bench["trained+split"], was_done = _bench(config, stages, "trained+split", train_key, trained_encoder,
                                                  evalset, True)
        if was_done:
            skipped.append("trained+split")

    timed("trained", "4/5 trained model on the same set, with the split", trained_row)
    search = timed("search", "5/5 instructed search in Chroma on Debian documents",
                   lambda: compare_search(config.workdir / "chroma", trained_encoder()))
    report = QuickstartReport(path="facets", data=data, training=training, bench=bench, search=search,
                              seconds=seconds, skipped=skipped, note=note_for(bench, data, training))
    save_report(report, config.workdir / "quickstart.json")
    return report


__all__ = [
    "BENCH_LABELS",
    "DEMO_INSTRUCTION",
    "DEMO_QUERY",
    "HONEST_NOTE",
    "QuickstartConfig",
    "QuickstartReport",
    "SearchComparison",
    "compare_search",
    "run_quickstart",
]
