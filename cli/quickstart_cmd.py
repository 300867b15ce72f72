"""``instructret quickstart``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from instructret.cli.common import ModelOpt, console, user_errors
from instructret.cli.render import hits_table

from instructret.encoder import DEFAULT_MODEL
from instructret.quickstart import compare_search

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the quickstart command to ``app``."""

    @app.command("quickstart")
    @user_errors
    def quickstart(
        model: ModelOpt = DEFAULT_MODEL,
        db: Annotated[Path | None, typer.Option(help="Keep the demo Chroma database here.")] = None,
    ) -> None:
        """Run the offline demo: index the bundled corpus and compare an instructed search with a plain one."""
        with tempfile.TemporaryDirectory(prefix="instructret-quickstart-") as tmp:
            cmp = compare_search(db or Path(tmp) / "db", model=model)
        console.rule("[bold]Instructed search vs plain search")
        console.print(hits_table(cmp.plain, title=f"plain: {cmp.query!r}"))
        console.print(hits_table(cmp.instructed, title=f"instructed: {cmp.query!r} + {cmp.instruction!r}"))
