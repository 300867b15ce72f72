"""``instructret index`` and ``instructret search``."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from instructret.bulk import DEFAULT_BATCH_SIZE, IndexStats, index_corpus, scan_corpus
from instructret.chroma_access import (
    check_collection_name,
    check_db_path,
    check_k,
    check_query,
    parse_where,
    require_collection,
)
from instructret.cli.common import (
    CollectionOpt,
    DbOpt,
    UrlOpt,
    console,
    encoder_options,
    err_console,
    user_errors,
)
from instructret.cli.options import with_options
from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError
from instructret.index import DEFAULT_COLLECTION, InstructIndex, make_client
from instructret.instructions import format_split
from instructret.model_match import ModelMatchWarning
from instructret.spec import make_spec

__all__ = ["register"]


def _hold_write_lock(db: str | None, url: str | None, wait: float) -> None:
    """Take an embedded database's write lock before its client opens, held until the command ends.

    Two processes writing to one embedded Chroma database lose vectors (see instructret.db_lock); a Chroma
    server (--url) orders its clients' writes itself.
    """
    if url is not None:
        return
    import atexit

    import click

    from instructret.db_lock import WriteLock

    path = check_db_path(db)  # a --db that is a file fails here, creating nothing

    def tell(pid: int | None) -> None:
        err_console.print(f"waiting up to {wait:g} s for another process (pid {pid or 'unknown'}) to finish "
                          f"writing to {path}", highlight=False, soft_wrap=True)

    lock = WriteLock.for_db(path)
    lock.acquire(wait, on_wait=tell)
    # Released when the command's context closes or else when the process exits, however the command ends
    # (and by the kernel if the process is killed).
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(lock.release)
    else:
        atexit.register(lock.release)


WaitOpt = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait while another process writes to the same --db "
                 "(default 0: fail at once, naming its pid). Not used with --url."),
]
AllowMismatchOpt = Annotated[
    bool,
    typer.Option("--allow-model-mismatch", help="Search a collection indexed with another model anyway "
                 "(its scores will be meaningless; a note says so)."),
]


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def register(app: typer.Typer) -> None:
    """Add the index and search commands to ``app``."""

    @app.command("index")
    @user_errors
    @with_options(encoder=encoder_options())
    def index(
        path: Annotated[
            Path,
            typer.Argument(help='JSONL file, one {"id" (or "_id"), "text", "title"?, "metadata"?} per line; '
                           "other top-level scalar fields go into the metadata."),
        ],
        collection: CollectionOpt = DEFAULT_COLLECTION,
        db: DbOpt = None,
        url: UrlOpt = None,
        encoder: dict[str, Any] = None,  # type: ignore[assignment]  # the spec options (with_options)
        batch_size: Annotated[
            int, typer.Option(help="Documents read, checked against the collection and written per batch.", min=1)
        ] = DEFAULT_BATCH_SIZE,
        wait: WaitOpt = 0.0,
    ) -> None:
        """Embed documents (no instruction) into a Chroma collection, streamed in batches.

        Documents already stored with the same text and metadata are skipped, so rerunning after an
        interruption resumes; changed ones are re-embedded, and so are ones whose vector is missing.
        One process writes to an embedded --db at a time: a second fails at once (or waits --wait seconds).
        """
        total = scan_corpus(path)  # every line is checked before the model loads
        check_collection_name(collection)
        _hold_write_lock(db, url, wait)  # before the client opens: a client opened earlier may hold stale state
        client = make_client(db, url)  # a bad --db or --url fails before the model loads
        idx = InstructIndex(encoder=InstructEncoder(make_spec(**encoder)), collection=collection, client=client)
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
    @with_options(encoder=encoder_options())
    def search(
        query: Annotated[str, typer.Argument(help="The search query.")],
        instruction: Annotated[
            str | None,
            typer.Option("--instruction", "-i", help="What makes a document relevant; what it excludes (\"... are "
                         "not relevant\") pushes documents down."),
        ] = None,
        exclude: Annotated[
            list[str] | None,
            typer.Option("--exclude", "-x", help="Something to exclude, added to what the instruction excludes. "
                         "Repeatable."),
        ] = None,
        explain: Annotated[
            bool, typer.Option("--explain", help="Print how the instruction was read (wanted / excluded) first.")
        ] = False,
        k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
        collection: CollectionOpt = DEFAULT_COLLECTION,
        db: DbOpt = None,
        url: UrlOpt = None,
        encoder: dict[str, Any] = None,  # type: ignore[assignment]  # the spec options (with_options)
        where: Annotated[str | None, typer.Option(help="Chroma metadata filter as JSON.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
        allow_model_mismatch: AllowMismatchOpt = False,
    ) -> None:
        """Search a collection with an optional instruction (creates nothing).

        The model must be the one the collection was indexed with (the same weights through another backend
        are fine); otherwise it is an error, unless --allow-model-mismatch.
        """
        # everything the user typed is checked before the model loads
        check_query(query)
        check_collection_name(collection)
        where_filter = parse_where(where)
        check_k(k)
        spec = make_spec(**encoder)  # a bad --exclusion-weight or --template fails before the model loads
        client = make_client(db, url, create=False)
        require_collection(client, collection)
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always", ModelMatchWarning)
            idx = InstructIndex(encoder=InstructEncoder(spec), collection=collection, client=client, create=False,
                                allow_model_mismatch=allow_model_mismatch)  # checks the model (model_match)
        for note in notes:
            err_console.print(f"note: {note.message}", highlight=False, soft_wrap=True)
        if len(idx) == 0:
            raise InstructretError(f"collection '{collection}' is empty: run `instructret index` first")
        if explain:
            split = idx.encoder.split(instruction, exclude or ())
            out = sys.stderr if as_json else sys.stdout  # JSON lines stay machine-readable
            print(format_split(split), file=out)
            print(f"exclusion weight: {idx.encoder.exclusion_weight:g} ({idx.encoder.parser} parser)", file=out)
        hits = idx.search(query, instruction=instruction, k=k, where=where_filter, exclude=exclude)
        if as_json:
            for rank, h in enumerate(hits, start=1):
                print(json.dumps({"rank": rank, "id": h.id, "score": h.score, "text": h.text,
                                  "metadata": h.metadata}, ensure_ascii=False))
            return
        from instructret.cli.render import hits_table

        console.print(hits_table(hits, title=f"{query!r}" + (f" | {instruction!r}" if instruction else "")))
