"""Shared CLI plumbing: user-error handling and the options several commands take."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from instructret.cli.options import DataclassOptions
from instructret.errors import InstructretError
from instructret.spec import spec_class

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn :class:`InstructretError` into a one-line message and exit code 2, never a traceback.

    Ctrl-C exits with 130 and a note that finished work was kept (every long command writes as it goes).
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InstructretError as exc:
            # escaped: Chroma's messages hold brackets ("[a-zA-Z0-9._-]") that rich would read as markup
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: finished work is saved; rerun the same command to resume.")
            sys.exit(130)

    return wrapper


ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="Model: alias (minilm), local directory or hub id.")
]
DeviceOpt = Annotated[str | None, typer.Option(help="Device (cuda, mps, cpu); default: best available.")]
CollectionOpt = Annotated[str, typer.Option("--collection", "-c", help="Chroma collection name.")]
DbOpt = Annotated[
    str | None, typer.Option(help="Directory of an embedded Chroma database (default ./instructret-db).")
]
UrlOpt = Annotated[
    str | None, typer.Option(help="URL of a Chroma server, e.g. http://127.0.0.1:8000 (instead of --db).")
]


def encoder_options(panel: str = "Encoder") -> DataclassOptions:
    """The options of every :class:`~instructret.spec.EncoderSpec` field (``--model/-m``, ``--backend`` ...).

    The class is looked up when the options are built, so a new spec field is a new option of ``index``,
    ``search`` and ``bench followir`` with no edit here.
    """
    return DataclassOptions(spec_class(), names={"model": ("--model", "-m")}, panel=panel)
