"""``instructret quickstart``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from instructret.cli.common import console, user_errors
from instructret.cli.options import DataclassOptions, with_options
from instructret.cli.render import hits_table, scores_table
from instructret.quickstart import HONEST_NOTE, QuickstartConfig, QuickstartReport, run_quickstart

__all__ = ["register"]

#: The quickstart's options are QuickstartConfig's fields; it always runs the embedded LLM.
QUICKSTART_OPTIONS = DataclassOptions(
    QuickstartConfig, exclude=("llm", "llm_config"),
    names={"model": ("--model", "-m"), "show_progress": "--progress/--no-progress"},
)


def _bench_table(report: QuickstartReport) -> Table:
    fractions = {label: {name: value / 100 for name, value in scores.items()} for label, scores in report.bench.items()}
    return scores_table(fractions, title="FollowIR-format demo set (8 queries), scores x100")


def register(app: typer.Typer) -> None:
    """Add the quickstart command to ``app``."""

    @app.command("quickstart")
    @user_errors
    @with_options(settings=QUICKSTART_OPTIONS)
    def quickstart(settings: dict[str, Any]) -> None:
        """Run the whole method offline: synthesize, train, benchmark, and search (about 10 minutes on a CPU)."""
        config = QuickstartConfig(**settings)
        report = run_quickstart(config, announce=lambda title: console.rule(f"[bold]{title}"))
        console.rule("[bold]Summary")
        s = report.synthesis
        console.print(
            f"synthesis: {s['total']} seeds -> {report.kept_pairs} verified dual-view pairs kept "
            f"({s['failed']} dropped this run, {s['skipped']} already done); failure reasons: {s['reasons']}"
        )
        for row in report.samples:
            console.print(f"  e.g. [bold]{row['query']}[/]: view A {row['instruction']!r} -> {row['positive']}; "
                          f"view B {row['instruction_reversed']!r} -> {row['negative']}", highlight=False)
        console.print(f"training: {report.trained_on}")
        console.print(_bench_table(report))
        if report.search is not None:
            cmp = report.search
            console.print(hits_table(cmp.plain, title=f"plain search: {cmp.query!r}"))
            console.print(hits_table(cmp.instructed, title=f"instructed search: {cmp.query!r} + {cmp.instruction!r}"))
        console.print(HONEST_NOTE, highlight=False)
        console.print(f"Everything is in {config.workdir}/ (quickstart.json, pairs.jsonl, model/, bench-*/).")
