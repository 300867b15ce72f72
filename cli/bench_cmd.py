"""``instructret bench``: benchmarks. ``bench followir`` scores a model on FollowIR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markdown import Markdown
from rich.markup import escape

from instructret.cli.common import console, encoder_options, err_console, user_errors
from instructret.cli.options import with_options
from instructret.spec import make_spec

__all__ = ["register"]

bench_app = typer.Typer(help="Benchmarks: FollowIR instruction following.", no_args_is_help=True)


@bench_app.command("followir")
@user_errors
@with_options(encoder=encoder_options())
def followir(
    encoder: dict[str, Any] = None,  # type: ignore[assignment]  # the spec options (with_options)
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset", "-d",
            help="robust04, news21, core17, all (the three), a hub id, or a local FollowIR-format directory. "
            "Repeat to run several.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory for results.json, "
                                      "results.md and pmrr.png.")] = Path("followir-results"),
    batch_size: Annotated[int, typer.Option(help="Encoding batch size.", min=1)] = 32,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Document-embedding cache, reused by later runs of the same model "
                     "(default: OUT/embedding-cache)."),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Keep embeddings in memory only.")] = False,
    revision: Annotated[str | None, typer.Option(help="Hub revision of the datasets.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Score a model on FollowIR (p-MRR, MAP@1000, nDCG@5) by reranking under both instructions."""
    from instructret.evaluation import run_followir_benchmark

    report = run_followir_benchmark(
        make_spec(**encoder),
        datasets=dataset or ["all"],
        out_dir=out,
        cache_dir=cache_dir,
        persist_cache=not no_cache,
        revision=revision,
        show_progress=not quiet,
        batch_size=batch_size,
    )
    console.print(Markdown(report.table))
    for warning in report.warnings():
        err_console.print(f"warning: {escape(warning)}", highlight=False, soft_wrap=True)
    console.print(f"wall time {report.wall_time_s:.1f} s; wrote " + ", ".join(str(p) for p in report.files.values()))


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command group to ``app``."""
    app.add_typer(bench_app, name="bench")
