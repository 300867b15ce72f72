"""``instructret index`` and ``instructret search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from instructret.chroma_access import check_k, parse_where, require_collection
from instructret.cli.common import (
    CollectionOpt,
    DbOpt,
    DeviceOpt,
    ModelOpt,
    TemplateOpt,
    UrlOpt,
    console,
    user_errors,
)
from instructret.data import read_corpus
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.index import DEFAULT_COLLECTION, InstructIndex, make_client

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the index and search commands to ``app``."""

    @app.command("index")
    @user_errors
    def index(
        path: Annotated[Path, typer.Argument(help='JSONL file, one {"id", "text", "title"?, "metadata"?} per line.')],
        collection: CollectionOpt = DEFAULT_COLLECTION,
        db: DbOpt = None,
        url: UrlOpt = None,
        model: ModelOpt = DEFAULT_MODEL,
        device: DeviceOpt = None,
        template: TemplateOpt = None,
        batch_size: Annotated[int, typer.Option(help="Documents embedded per batch.")] = 256,
    ) -> None:
        """Embed documents (no instruction) and upsert them into a Chroma collection."""
        entries = read_corpus(path)
        client = make_client(db, url)  # a bad --db or --url fails before the model loads
        encoder = InstructEncoder(model, device=device, template=template)
        idx = InstructIndex(encoder=encoder, collection=collection, client=client)
        n = idx.add(
            [e.id for e in entries],
            [e.full_text for e in entries],
            [e.metadata for e in entries],
            batch_size=batch_size,
        )
        console.print(f"indexed {n} documents into collection '{collection}' ({len(idx)} in total)")

    @app.command("search")
    @user_errors
    def search(
        query: Annotated[str, typer.Argument(help="The search query.")],
        instruction: Annotated[
            str | None, typer.Option("--instruction", "-i", help="What makes a document relevant.")
        ] = None,
        k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
        collection: CollectionOpt = DEFAULT_COLLECTION,
        db: DbOpt = None,
        url: UrlOpt = None,
        model: ModelOpt = DEFAULT_MODEL,
        device: DeviceOpt = None,
        template: TemplateOpt = None,
        where: Annotated[str | None, typer.Option(help="Chroma metadata filter as JSON.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    ) -> None:
        """Search a collection with an optional instruction (creates nothing)."""
        # everything the user typed is checked before the model loads
        where_filter = parse_where(where)
        check_k(k)
        client = make_client(db, url, create=False)
        require_collection(client, collection)
        encoder = InstructEncoder(model, device=device, template=template)
        idx = InstructIndex(encoder=encoder, collection=collection, client=client, create=False)
        if len(idx) == 0:
            raise InstructretError(f"collection '{collection}' is empty: run `instructret index` first")
        hits = idx.search(query, instruction=instruction, k=k, where=where_filter)
        if as_json:
            for rank, h in enumerate(hits, start=1):
                print(json.dumps({"rank": rank, "id": h.id, "score": h.score, "text": h.text,
                                  "metadata": h.metadata}, ensure_ascii=False))
            return
        from instructret.cli.render import hits_table

        console.print(hits_table(hits, title=f"{query!r}" + (f" | {instruction!r}" if instruction else "")))
