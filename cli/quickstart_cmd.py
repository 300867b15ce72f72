"""``instructret quickstart``: the method on real Debian data with no LLM, or the LLM path with ``--llm``."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from instructret.cli.common import console, user_errors
from instructret.cli.options import DataclassOptions, with_options
from instructret.evaluation.measures import MAP_1000, NDCG_5, P_MRR
from instructret.instructions import SplitInstruction, format_split
from instructret.quickstart import BENCH_LABELS, QuickstartConfig, QuickstartReport, SearchComparison, run_quickstart

__all__ = ["QUICKSTART_OPTIONS", "bench_table", "register"]

#: The quickstart's options are QuickstartConfig's fields.
QUICKSTART_OPTIONS = DataclassOptions(
    QuickstartConfig, names={"model": ("--model", "-m"), "show_progress": "--progress/--no-progress"},
)


def bench_table(report: QuickstartReport) -> Table:
    """Rows base, base+split and trained+split: p-MRR, MAP@1000, nDCG@5 (x100) and the number of queries."""
    what = (f"facet FollowIR set from the Debian sample ({report.data.get('topics', '?')} held-out topics)"
            if report.path == "facets" else "bundled FollowIR-format demo set")
    table = Table(title=f"{what}, scores x100", title_justify="left")
    for name in ("model", P_MRR, MAP_1000, NDCG_5, "queries"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for label in BENCH_LABELS:
        row = report.bench.get(label)
        if row:
            table.add_row(label, f"{row[P_MRR]:+.2f}", f"{row[MAP_1000]:.2f}", f"{row[NDCG_5]:.2f}",
                          str(row["queries"]))
    return table


def search_table(cmp: SearchComparison) -> Table:
    """The two rankings side by side, each hit with its debtags interface."""
    table = Table(title=f"{cmp.documents} Debian packages, model {cmp.model}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column(f"plain: {cmp.query!r}")
    table.add_column("interface")
    table.add_column("with the instruction")
    table.add_column("interface")
    for rank, (a, b) in enumerate(zip(cmp.plain, cmp.instructed, strict=False), start=1):
        table.add_row(str(rank), a.id, a.metadata.get("interface", ""), b.id, b.metadata.get("interface", ""))
    return table


def _print_data(report: QuickstartReport) -> None:
    d, t = report.data, report.training
    if report.path == "facets":
        shared = d["shared"]
        console.print(
            f"set: {d['queries']} queries over {d['topics']} topics, {d['documents']} documents "
            f"({d['og_relevant']} relevant under the og instruction, {d['changed']} of them not under the changed "
            f"one); pairs: {d['pairs']} dual-view + {d['general_pairs']} general over {d['pair_topics']} other "
            f"topics; shared with the set: {shared['documents']} documents, {shared['topics']} topics",
            highlight=False)
    else:
        s = d["synthesis"]
        console.print(f"synthesis: {s['total']} seeds -> {d['kept_pairs']} verified dual-view pairs kept "
                      f"({s['failed']} dropped this run, {s['skipped']} already done); failure reasons: "
                      f"{s['reasons']}", highlight=False)
        for row in d["samples"]:
            console.print(f"  e.g. {row['query']}: view A {row['instruction']!r} -> {row['positive']}; "
                          f"view B {row['instruction_reversed']!r} -> {row['negative']}", highlight=False)
    r = t.get("recipe", {})
    console.print(f"training: {t['steps']} steps of batch {r.get('batch_size')}, lr {r.get('lr')}, "
                  f"{t['pairs']} pairs, {t['general_per_epoch']} general per epoch, split-aware {r.get('split')}"
                  + (f"; {t['trained_on']}" if "trained_on" in t else ""), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the quickstart command to ``app``."""

    @app.command("quickstart")
    @user_errors
    @with_options(settings=QUICKSTART_OPTIONS)
    def quickstart(settings: dict[str, Any]) -> None:
        """Show the method on real Debian data, offline, no LLM: build a test set and pairs, train, score, search.

        About 4 minutes on 2 CPU cores. Rerun with the same --workdir to resume; --llm local runs the LLM path.
        """
        config = QuickstartConfig(**settings)
        report = run_quickstart(config, announce=lambda title: console.rule(f"[bold]{escape(title)}"))
        console.rule("[bold]Summary")
        if report.skipped:
            console.print(f"finished by an earlier run, not redone: {', '.join(report.skipped)}", highlight=False)
        _print_data(report)
        console.print(bench_table(report))
        cmp = report.search
        if cmp is not None:
            console.print(f"search: {cmp.query!r} with the instruction {cmp.instruction!r}", highlight=False)
            console.print(escape(format_split(SplitInstruction(tuple(cmp.wanted), tuple(cmp.excluded)))),
                          highlight=False)
            console.print(search_table(cmp))
        console.print(report.note, highlight=False)
        total = sum(report.seconds.values())
        stages = ", ".join(f"{k} {v:.0f}s" for k, v in report.seconds.items())
        console.print(f"time: {total:.0f}s ({stages}). Everything is in {config.workdir}/ (quickstart.json, "
                      "data/, model/, bench-*/, chroma/).", highlight=False)
