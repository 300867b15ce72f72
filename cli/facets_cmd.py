"""``instructret facets``: dual-view pairs and FollowIR-format test sets from document metadata."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from instructret.cli.common import DeviceOpt, ModelOpt, console, user_errors
from instructret.encoder import DEFAULT_MODEL
from instructret.facets import (
    FACET_STYLES,
    FacetFollowIRConfig,
    FacetSynthConfig,
    build_debtags_vocabulary,
    build_facet_followir,
    save_vocabulary,
    synthesize_facet_pairs,
)
from instructret.facets.followir_build import CHANGED_PARTS
from instructret.synthesis.styles import parse_styles

__all__ = ["register"]

facets_app = typer.Typer(
    help="Build dual-view training pairs and FollowIR-format test sets from document metadata (no LLM).",
    no_args_is_help=True,
)

CorpusArg = Annotated[Path, typer.Argument(help="Corpus JSONL: id (or _id), text, title?, and facet fields.")]
VocabOpt = Annotated[str, typer.Option("--vocab", help="Packaged vocabulary name (debtags) or a vocabulary JSON file.")]
ExcludeOpt = Annotated[
    list[Path] | None,
    typer.Option("--exclude", help="FollowIR directory, pairs file or document file whose documents and topics "
                 "are left out (repeatable)."),
]
#: Choices of ``facets followir --changed`` (:data:`instructret.facets.followir_build.CHANGED_PARTS`).
Changed = enum.Enum("Changed", {p: p for p in CHANGED_PARTS}, type=str)  # type: ignore[misc]
SeedOpt = Annotated[int, typer.Option(help="Seed of every draw (same seed, same output).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
NoProgressOpt = Annotated[bool, typer.Option("--no-progress", help="No progress bars.")]


@facets_app.command("vocab")
@user_errors
def vocab(
    source: Annotated[Path, typer.Argument(help="Debian's /usr/share/debtags/vocabulary (package 'debtags').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Vocabulary JSON to write.")],
) -> None:
    """Build a facet vocabulary from Debian's debtags vocabulary file."""
    vocabulary, counts = build_debtags_vocabulary(source)
    save_vocabulary(vocabulary, out)
    console.print(f"wrote {out}: {counts['families']} families, {counts['used']} of {counts['tags']} tags used")


@facets_app.command("synth")
@user_errors
def synth(
    corpus: CorpusArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dual-view pairs JSONL (appended; rerun to resume).")],
    vocab: VocabOpt = "debtags",
    model: ModelOpt = DEFAULT_MODEL,
    max_pairs: Annotated[int, typer.Option(help="Most pairs to write (0: every candidate).")] = 5000,
    max_per_doc: Annotated[int, typer.Option(help="Pairs any one document may be part of.")] = 3,
    styles: Annotated[str, typer.Option(help="Instruction styles written for each pair.")] = ",".join(FACET_STYLES),
    exclude: ExcludeOpt = None,
    seed: SeedOpt = 0,
    max_seq_length: Annotated[int, typer.Option(help="Tokens of each document read to find negatives.")] = 128,
    cache_dir: Annotated[Path | None, typer.Option(help="Embedding cache (default: OUT.cache).")] = None,
    device: DeviceOpt = None,
    general_ratio: Annotated[float, typer.Option(
        help="General (instruction-free) topic -> document pairs written into OUT per dual-view pair, marked "
             "kind general; `instructret train` mixes them in (0: none).")] = FacetSynthConfig.general_ratio,
    as_json: JsonOpt = False,
    no_progress: NoProgressOpt = False,
) -> None:
    """Facet polarity reversal: pair on-topic documents that differ in one facet, with instructions in every style."""
    cfg = FacetSynthConfig(
        corpus=corpus, out=out, vocabulary=vocab, model=model, seed=seed, max_pairs=max_pairs or None,
        max_per_doc=max_per_doc, styles=parse_styles(styles), exclude=exclude or [], cache_dir=cache_dir,
        max_seq_length=max_seq_length, device=device, general_ratio=general_ratio,
        show_progress=not (no_progress or as_json),
    )
    summary = synthesize_facet_pairs(cfg)
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
        return
    skipped = ", ".join(f"{k} {v}" for k, v in summary.skipped.items()) or "none"
    general = f" and {summary.general} general pairs" if summary.general else ""
    console.print(f"{summary.pairs} pairs{general} in {out} ({summary.written} written now, {summary.present} "
                  f"already there) from {summary.candidates} candidates over {summary.topics} topics in "
                  f"{summary.seconds:.1f} s")
    console.print(f"documents with facets: {summary.docs} of {summary.rows} rows (skipped: {skipped})")
    console.print("pairs per family: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.families.items())))
    for fam, counts in summary.contrast.items():
        console.print(f"  {fam}: one value {counts.get('one value', 0)}, ambiguous {counts.get('ambiguous', 0)}, "
                      f"missing {counts.get('missing', 0)} (tagged but not shown by the text: "
                      f"{counts.get('no evidence', 0)})")


@facets_app.command("followir")
@user_errors
def followir(
    corpus: CorpusArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the FollowIR-format set to.")],
    vocab: VocabOpt = "debtags",
    max_queries: Annotated[int, typer.Option(help="Most queries (0: all).")] = 200,
    topic_fraction: Annotated[float, typer.Option(help="Share of usable topics the set draws from.")] = 0.3,
    max_relevant: Annotated[int, typer.Option(help="Most og-relevant documents judged per query.")] = 30,
    bm25_k: Annotated[int, typer.Option(help="Non-relevant BM25 candidates per ranking (query; query + og).")] = 30,
    exclude: ExcludeOpt = None,
    seed: SeedOpt = 0,
    changed: Annotated[Changed, typer.Option(
        help="What the changed instruction adds: both (requirement and exclusion sentence), requirement only "
             "(what users often write), or exclusion only. Queries and judgments are the same.")] = Changed.both,
    as_json: JsonOpt = False,
    no_progress: NoProgressOpt = False,
) -> None:
    """Build a FollowIR-format test set whose judgments come from the facets (as good as the metadata)."""
    cfg = FacetFollowIRConfig(
        corpus=corpus, out=out, vocabulary=vocab, seed=seed, topic_fraction=topic_fraction,
        max_queries=max_queries or None, max_relevant=max_relevant, bm25_k=bm25_k, exclude=exclude or [],
        changed=changed.value, show_progress=not (no_progress or as_json),
    )
    report = build_facet_followir(cfg)
    if as_json:
        typer.echo(json.dumps(report))
        return
    console.print(f"wrote {out}: {report['queries']} queries over {report['topics']} topics, {report['documents']} "
                  f"documents, {report['candidates']} candidates; {report['og_relevant']} og-relevant, "
                  f"{report['changed']} lose relevance under the changed instruction")
    console.print("judgments come from the metadata: they are only as good as its tags. "
                  f"Run it: instructret bench followir --dataset {out}")


def register(app: typer.Typer) -> None:
    """Add the ``facets`` command group to ``app``."""
    app.add_typer(facets_app, name="facets")
