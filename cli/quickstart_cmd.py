"""``instructret quickstart``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from instructret.cli.common import ModelOpt, console, user_errors
from instructret.cli.render import hits_table
from instructret.encoder import DEFAULT_MODEL
from instructret.quickstart import HONEST_NOTE, QuickstartConfig, QuickstartReport, run_quickstart

__all__ = ["register"]


def _bench_table(report: QuickstartReport) -> Table:
    table = Table(title="FollowIR-format demo set (8 queries), scores x100", title_justify="left")
    table.add_column("model")
    for metric in ("p-MRR", "MAP@1000", "nDCG@5"):
        table.add_column(metric, justify="right")
    for label, scores in report.bench.items():
        table.add_row(label, *(f"{scores[m]:.2f}" for m in ("p-MRR", "MAP@1000", "nDCG@5")))
    return table


def register(app: typer.Typer) -> None:
    """Add the quickstart command to ``app``."""

    @app.command("quickstart")
    @user_errors
    def quickstart(
        workdir: Annotated[
            Path, typer.Option(help="Where every stage writes; rerun the command to resume.")
        ] = Path("instructret-quickstart"),
        model: ModelOpt = DEFAULT_MODEL,
        limit: Annotated[
            int, typer.Option(help="Use the first N of the 24 bundled seed tuples (fewer: faster, fewer pairs).")
        ] = 24,
        epochs: Annotated[float, typer.Option(help="Training epochs.")] = 3.0,
        lr: Annotated[float, typer.Option(help="Learning rate.")] = 2e-5,
        seed: Annotated[int, typer.Option(help="Training seed.")] = 0,
    ) -> None:
        """Run the whole method offline: synthesize, train, benchmark, and search (about 10 minutes on a CPU)."""
        config = QuickstartConfig(workdir=workdir, model=model, limit=limit, epochs=epochs, lr=lr, seed=seed)
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
        console.print(f"Everything is in {workdir}/ (quickstart.json, pairs.jsonl, model/, bench-*/).")
