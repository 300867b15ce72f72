"""The ``instructret`` command line: it parses flags and calls the library, nothing more."""

from __future__ import annotations

import typer

from instructret.cli import bench_cmd, facets_cmd, index_cmds, quickstart_cmd, synth_cmd, train_cmd

app = typer.Typer(
    name="instructret",
    help="Instruction-following retrieval: synthesize dual-view data, train, search and benchmark.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

index_cmds.register(app)
quickstart_cmd.register(app)
synth_cmd.register(app)
bench_cmd.register(app)
train_cmd.register(app)
facets_cmd.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
