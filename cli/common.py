"""Shared CLI plumbing: user-error handling and the options several commands take."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from instructret.backends import Backend, Quantization
from instructret.errors import InstructretError

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
TemplateOpt = Annotated[
    str | None,
    typer.Option(
        help="Query template with {query} and {instruction}; default: the model's own, else '{query} {instruction}'."
    ),
]
CollectionOpt = Annotated[str, typer.Option("--collection", "-c", help="Chroma collection name.")]
DbOpt = Annotated[
    str | None, typer.Option(help="Directory of an embedded Chroma database (default ./instructret-db).")
]
UrlOpt = Annotated[
    str | None, typer.Option(help="URL of a Chroma server, e.g. http://127.0.0.1:8000 (instead of --db).")
]
BackendOpt = Annotated[
    Backend,
    typer.Option(
        "--backend",
        help="Inference backend: torch, or onnx / openvino (CPU; the model is exported once and the export saved, "
        "next to a trained model's weights or in the user cache).",
    ),
]
QuantizeOpt = Annotated[
    Quantization | None,
    typer.Option(
        "--quantize",
        help="int8: run an int8-quantized export (onnx or openvino backend).",
    ),
]
