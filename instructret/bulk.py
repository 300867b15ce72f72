"""Bulk indexing: stream a JSONL corpus into an :class:`~instructret.index.InstructIndex`, batch by batch.

The file is read twice and never held in memory: a first pass validates every line (so a bad line fails
before the model loads or anything is written) and counts them for the progress bar; the second pass
streams batches. Each batch first asks the collection which of its ids are already stored with the same
text and metadata, and embeds and upserts only the others. So a run that was killed resumes where it
stopped when run again, nothing is stored twice (Chroma ids are unique and each batch is one upsert), and
a document whose text or metadata changed in the file is re-embedded.

Rows are ``{"id", "text", "title"?, "metadata"?}``. FollowIR/BEIR-style corpora (``"_id"`` instead of
``"id"``) are read too, and extra top-level scalar fields (for example a Debian corpus's ``section`` and
``tags``) go into the document's Chroma metadata, where ``--where`` can filter on them; keys given in
``metadata`` win over top-level ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import CorpusEntry
from instructret.errors import InputError
from instructret.progress import progress_bar

if TYPE_CHECKING:
    from instructret.index import InstructIndex

#: Documents read, compared with the collection and written per batch.
DEFAULT_BATCH_SIZE = 256

_OWN_FIELDS = {"id", "_id", "text", "title", "metadata"}
_SCALARS = (str, int, float, bool)


def corpus_entry(obj: dict[str, Any], path: str | Path, line: int) -> CorpusEntry:
    """Validate one corpus row, accepting ``_id`` for ``id`` and moving extra scalar fields into metadata.

    Raises:
        InputError: Naming file, line and field.
    """
    row = dict(obj)
    if "id" not in row and "_id" in row:
        row["id"] = row["_id"]
    extras = {k: v for k, v in row.items() if k not in _OWN_FIELDS and isinstance(v, _SCALARS)}
    if extras:
        own = row.get("metadata")
        row["metadata"] = {**extras, **own} if isinstance(own, dict) else own if own is not None else extras
    return parse_record(CorpusEntry, row, path, line)


def scan_corpus(path: str | Path) -> int:
    """Validate every line of a corpus file without keeping the documents, and count them.

    Raises:
        InputError: For the first malformed line or repeated id (with the line it first appeared on).
    """
    first_line: dict[str, int] = {}
    for line, obj in iter_json_lines(path):
        entry = corpus_entry(obj, path, line)
        if entry.id in first_line:
            raise InputError(path, f"duplicate id {entry.id!r} (first on line {first_line[entry.id]})",
                             line=line, field="id")
        first_line[entry.id] = line
    return len(first_line)


def iter_corpus_batches(path: str | Path, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[list[CorpusEntry]]:
    """Stream a corpus file as lists of at most ``batch_size`` validated entries."""
    batch: list[CorpusEntry] = []
    for line, obj in iter_json_lines(path):
        batch.append(corpus_entry(obj, path, line))
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class IndexStats:
    """Counts of a bulk-indexing run.

    Attributes:
        total: Documents in the input.
        added: Documents that were not in the collection.
        updated: Documents whose stored text or metadata differed, re-embedded and replaced.
        unchanged: Documents already stored as they are (skipped: nothing embedded).
        seconds: Wall time of the run so far.
    """

    total: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    _start: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def done(self) -> int:
        """Documents handled so far."""
        return self.added + self.updated + self.unchanged

    @property
    def embedded(self) -> int:
        """Documents embedded and written so far."""
        return self.added + self.updated

    @property
    def docs_per_s(self) -> float:
        """Embedded documents per second of wall time."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line: what was added, updated and skipped."""
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


def _stored(index: InstructIndex, ids: list[str]) -> dict[str, tuple[str | None, dict | None]]:
    got = index.collection.get(ids=ids, include=["documents", "metadatas"])
    docs = got.get("documents") or [None] * len(got["ids"])
    metas = got.get("metadatas") or [None] * len(got["ids"])
    return {i: (d, dict(m) if m else None) for i, d, m in zip(got["ids"], docs, metas, strict=True)}


def write_batch(index: InstructIndex, batch: Sequence[CorpusEntry]) -> tuple[int, int, int]:
    """Embed and upsert the entries of one batch that the collection does not already hold as they are.

    Returns:
        ``(added, updated, unchanged)`` counts for this batch.
    """
    stored = _stored(index, [e.id for e in batch])
    todo = [e for e in batch if stored.get(e.id) != (e.full_text, dict(e.metadata) if e.metadata else None)]
    if todo:
        texts = [e.full_text for e in todo]
        index.collection.upsert(
            ids=[e.id for e in todo],
            embeddings=index.encoder.encode_documents(texts),
            documents=texts,
            # Chroma rejects empty metadata dicts; None means "no metadata".
            metadatas=[dict(e.metadata) if e.metadata else None for e in todo],
        )
    updated = sum(1 for e in todo if e.id in stored)
    return len(todo) - updated, updated, len(batch) - len(todo)


def index_corpus(
    index: InstructIndex,
    path: str | Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    total: int | None = None,
    show_progress: bool = False,
    on_batch: Callable[[IndexStats], None] | None = None,
) -> IndexStats:
    """Index a JSONL corpus into ``index``, streamed in batches and resumable.

    Args:
        index: The index (and so the encoder and Chroma collection) to write to.
        path: The corpus file (see the module docstring for the row format).
        batch_size: Documents read, compared and written per batch (embedding batches are the encoder's).
        total: The number of documents, if :func:`scan_corpus` was already called; None scans first.
        show_progress: Show a progress bar.
        on_batch: Called with the running counts after every batch (e.g. to log progress).

    Returns:
        The run's :class:`IndexStats`.

    Raises:
        InputError: A malformed line or repeated id (found by the scan, before anything is written).

    Example:
        >>> stats = index_corpus(InstructIndex(path="/tmp/db", collection="debian"), "corpus.jsonl")  # doctest: +SKIP
        >>> stats.summary()  # doctest: +SKIP
        '60354 added, 0 updated, 0 unchanged'
    """
    if batch_size < 1:
        raise InputError(path, f"batch size must be at least 1, got {batch_size}")
    stats = IndexStats(total=scan_corpus(path) if total is None else total)
    with progress_bar("indexing", total=stats.total, disable=not show_progress) as advance:
        for batch in iter_corpus_batches(path, batch_size):
            added, updated, unchanged = write_batch(index, batch)
            stats.added += added
            stats.updated += updated
            stats.unchanged += unchanged
            stats.seconds = time.perf_counter() - stats._start
            advance(len(batch), status=stats.summary())
            if on_batch is not None:
                on_batch(stats)
    stats.seconds = time.perf_counter() - stats._start
    return stats
