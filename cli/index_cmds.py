"""``instructret index`` and ``instructret search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from instructret.bulk import DEFAULT_BATCH_SIZE, IndexStats, index_corpus, scan_corpus
from instructret.chroma_access import check_k, parse_where, require_collection
from instructret.cli.common import (
    BackendOpt,
    CollectionOpt,
    DbOpt,
    DeviceOpt,
    ModelOpt,
    QuantizeOpt,
    TemplateOpt,
    UrlOpt,
    console,
    err_console,
    user_errors,
)
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.index import DEFAULT_COLLECTION, InstructIndex, make_client

__all__ = ["register"]


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def register(app: typer.Typer) -> None:
    """Add the index and search commands to ``app``."""

    @app.command("index")
    @user_errors
    def index(
        path: Annotated[
            Path,
            typer.Argument(help='JSONL file, one {"id" (or "_id"), "text", "title"?, "metadata"?} per line; '
                           "other top-level scalar fields go into the metadata."),
        ],
        collection: CollectionOpt = DEFAULT_COLLECTION,
        db: DbOpt = None,
        url: UrlOpt = None,
        model: ModelOpt = DEFAULT_MODEL,
        device: DeviceOpt = None,
        template: TemplateOpt = None,
        batch_size: Annotated[
            int, typer.Option(help="Documents read, checked against the collection and written per batch.", min=1)
        ] = DEFAULT_BATCH_SIZE,
        backend: BackendOpt = "torch",
        quantize: QuantizeOpt = None,
    ) -> None:
        """Embed documents (no instruction) into a Chroma collection, streamed in batches.

        Documents already stored with the same text and metadata are skipped, so rerunning after an
        interruption resumes; changed ones are re-embedded.
        """
        total = scan_corpus(path)  # every line is checked before the model loads
        client = make_client(db, url)  # a bad --db or --url fails before the model loads
        encoder = InstructEncoder(model, device=device, template=template, backend=backend, quantize=quantize)
        idx = InstructIndex(encoder=encoder, collection=collection, client=client)
        interactive = err_console.is_terminal

        def log_batch(stats: IndexStats) -> None:
            # Without a terminal (logs, CI) a plain line per batch replaces the progress bar.
            err_console.print(f"indexing: {stats.done}/{stats.total} ({stats.summary()}), "
                              f"{stats.docs_per_s:.1f} docs/s", highlight=False, soft_wrap=True)

        stats = index_corpus(idx, path, batch_size=batch_size, total=total, show_progress=interactive,
                             on_batch=None if interactive else log_batch)
        console.print(
            f"indexed {stats.total} documents into collection '{collection}' ({stats.summary()}; "
            f"{len(idx)} in total) in {stats.seconds:.1f} s, {stats.docs_per_s:.1f} docs/s embedded, "
            f"peak memory {_peak_rss_mib():.0f} MiB",
            highlight=False, soft_wrap=True,
        )

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
        backend: BackendOpt = "torch",
        quantize: QuantizeOpt = None,
    ) -> None:
        """Search a collection with an optional instruction (creates nothing)."""
        # everything the user typed is checked before the model loads
        where_filter = parse_where(where)
        check_k(k)
        client = make_client(db, url, create=False)
        require_collection(client, collection)
        encoder = InstructEncoder(model, device=device, template=template, backend=backend, quantize=quantize)
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
