"""The stages of ``instructret quickstart``, each resumable from the run's ``workdir``.

:class:`StageLog` records which stages finished with which settings. The stages: :func:`data_stage` builds the
facet FollowIR set and the facet pairs from the bundled Debian sample, :func:`bench_row` scores a model on that
set, :func:`train_stage` runs the recommended recipe, and :func:`compare_search` runs the closing instructed
Chroma search (:class:`SearchComparison`). :mod:`instructret.quickstart` runs them in order and reports; the
LLM path (:mod:`instructret.quickstart_llm`) reuses them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instructret.atomic import write_text_atomic
from instructret.data import iter_json_lines
from instructret.demo import debian_sample_path
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.index import Hit, InstructIndex

if TYPE_CHECKING:
    from instructret.quickstart import QuickstartConfig

#: Tokens of each document read to mine the pairs' hard negatives (FacetSynthConfig.max_seq_length).
MINING_SEQ_LENGTH = 64

#: The closing search: documents of one debtags topic from the bundled sample, one query, one instruction.
DEMO_TOPIC_TAG = "use::playing"
DEMO_QUERY = "music player"
DEMO_INSTRUCTION = (
    "I work in a terminal over SSH, so only command-line programs are relevant. "
    "Graphical desktop applications are not relevant."
)


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
