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

This module holds the run's settings, its report and the order of the stages; the stages themselves are in
:mod:`instructret.quickstart_stages`, whose public names are importable from here too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from instructret.atomic import write_text_atomic
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.evaluation.measures import MAP_1000, P_MRR
from instructret.quickstart_stages import (
    DEMO_INSTRUCTION,
    DEMO_QUERY,
    SearchComparison,
    StageLog,
    bench_row,
    compare_search,
    data_stage,
    train_stage,
)

# the stages' other public names, importable from here as before the stages had their own module
from instructret.quickstart_stages import DEMO_TOPIC_TAG as DEMO_TOPIC_TAG
from instructret.quickstart_stages import MINING_SEQ_LENGTH as MINING_SEQ_LENGTH
from instructret.quickstart_stages import overlap as overlap
from instructret.quickstart_stages import read_debian_sample as read_debian_sample

#: Row names of the benchmark table, in print order (also the keys of ``quickstart.json``'s ``bench``).
BENCH_LABELS = ("base", "base+split", "trained+split")

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
    "and the set's instructions are written from templates, as the training pairs are (different topics, "
    "held-out sentence templates), so FollowIR's hand-written narratives are a harder test (docs/benchmarks.md)."
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
    max_steps: int = 60
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