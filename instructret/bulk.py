"""Bulk indexing: stream a JSONL corpus into an :class:`~instructret.index.InstructIndex`, batch by batch.

The file is read twice and never held in memory: a first pass validates every line (so a bad line fails
before the model loads or anything is written) and counts them for the progress bar; the second pass
streams batches. Each batch first asks the collection which of its ids are already stored with the same
text and metadata *and have their vector*, and embeds and upserts only the others. (When stored ids lack
their vector, e.g. after two processes wrote to one embedded database at once, the collection is rebuilt
with those re-embedded and they are counted as repaired: a rerun repairs a damaged collection instead of
calling it unchanged.) So a run that was killed resumes where it stopped when run again, nothing is stored
twice (Chroma ids are unique and each batch is one upsert), and a document whose text or metadata changed
in the file is re-embedded.

Rows are ``{"id", "text", "title"?, "metadata"?}``. FollowIR/BEIR-style corpora (``"_id"`` instead of
``"id"``) are read too, and extra top-level scalar fields (for example a Debian corpus's ``section`` and
``tags``) go into the document's Chroma metadata, where ``--where`` can filter on them; keys given in
``metadata`` win over top-level ones. Metadata Chroma would refuse or store changed (reserved keys such as
``chroma:document``, integers outside int64, NaN) fails the validation pass (see
:func:`instructret.data.corpus.check_entry`). The whole run holds the database's write lock
(:meth:`InstructIndex.writing <instructret.index.InstructIndex.writing>`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chromadb.errors import ChromaError

from instructret.data.corpus import check_entry
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
    own = row.get("metadata")
    if extras:
        row["metadata"] = {**extras, **own} if isinstance(own, dict) else own if own is not None else extras
    top_level = set(extras) - set(own) if isinstance(own, dict) else set(extras)
    return check_entry(parse_record(CorpusEntry, row, path, line), path, line, top_level)


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
        repaired: Documents the collection held without their vector, re-embedded from their stored text when
            the run found one and rebuilt the collection (:func:`repair_collection`); any of the collection's
            documents, not only this file's.
        seconds: Wall time of the run so far.
    """

    total: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    seconds: float = 0.0
    _start: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def done(self) -> int:
        """Documents handled so far."""
        return self.added + self.updated + self.unchanged

    @property
    def embedded(self) -> int:
        """Documents embedded and written so far."""
        return self.added + self.updated + self.repaired

    @property
    def docs_per_s(self) -> float:
        """Embedded documents per second of wall time."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line: what was added, updated and skipped (and repaired, if any)."""
        line = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        return line + (f", {self.repaired} repaired" if self.repaired else "")


def _stored(index: InstructIndex, ids: list[str]) -> dict[str, tuple[str | None, dict | None]]:
    got = index.collection.get(ids=ids, include=["documents", "metadatas"])
    docs = got.get("documents") or [None] * len(got["ids"])
    metas = got.get("metadatas") or [None] * len(got["ids"])
    return {i: (d, dict(m) if m else None) for i, d, m in zip(got["ids"], docs, metas, strict=True)}


def _has_vector(vector: Any) -> bool:
    return vector is not None and len(vector) > 0


def _without_vector(collection: Any, ids: list[str]) -> set[str]:
    """Those of ``ids`` (all stored) whose vector is missing from the collection's vector index."""
    if not ids:
        return set()
    try:
        got = collection.get(ids=ids, include=["embeddings"])
    except ChromaError:  # Chroma fails the whole get ("Error finding id") when one vector is missing: look closer
        if len(ids) == 1:
            return set(ids)
        half = len(ids) // 2
        return _without_vector(collection, ids[:half]) | _without_vector(collection, ids[half:])
    vectors = got.get("embeddings")
    if vectors is None:
        return set(ids)
    have = {i for i, v in zip(got["ids"], vectors, strict=True) if _has_vector(v)}
    return set(ids) - have


#: Suffix of the collection a repair builds before it takes the damaged one's place.
REBUILD_SUFFIX = ".rebuild"

_HNSW_KEYS = ("space", "ef_construction", "ef_search", "max_neighbors", "resize_factor", "sync_threshold")


def _rebuild_name(name: str) -> str:
    return name[: 512 - len(REBUILD_SUFFIX)] + REBUILD_SUFFIX


def _get_or_none(client: Any, name: str) -> Any:
    return next((c for c in client.list_collections() if c.name == name), None)


def _swap_in(index: InstructIndex, rebuilt_name: str) -> None:
    name = index.collection.name
    ef = getattr(index.collection, "_embedding_function", None)
    index.client.delete_collection(name)
    index.client.get_collection(rebuilt_name, embedding_function=ef).modify(name=name)
    index.collection = index.client.get_collection(name, embedding_function=ef)


def finish_interrupted_repair(index: InstructIndex) -> None:
    """Finish or drop a repair that was interrupted.

    Its rebuilt copy is adopted if the repair got as far as deleting the damaged collection (which
    ``InstructIndex`` then recreated empty); otherwise the partial copy is dropped.
    """
    leftover = _get_or_none(index.client, _rebuild_name(index.collection.name))
    if leftover is None:
        return
    if index.collection.count() == 0 and leftover.count() > 0:
        _swap_in(index, leftover.name)
    else:
        index.client.delete_collection(leftover.name)


def repair_collection(index: InstructIndex, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Rebuild a collection that holds ids without vectors, re-embedding those from their stored text.

    Writing into a damaged vector index is not safe (Chroma can hang on it), so every document is copied,
    with its vector when it has one, into a fresh collection of the same configuration, which then replaces
    the damaged one. An interrupted repair is finished or dropped by :func:`finish_interrupted_repair`.

    Returns:
        The number of documents re-embedded.
    """
    old = index.collection
    ef = getattr(old, "_embedding_function", None)
    hnsw = (getattr(old, "configuration_json", None) or {}).get("hnsw") or {}
    meta = {k: v for k, v in (old.metadata or {}).items() if not k.startswith("hnsw:")}
    name = _rebuild_name(old.name)
    if _get_or_none(index.client, name) is not None:
        index.client.delete_collection(name)
    new = index.client.create_collection(
        name, embedding_function=ef, metadata=meta or None,
        configuration={"hnsw": {k: hnsw[k] for k in _HNSW_KEYS if hnsw.get(k) is not None} or {"space": "cosine"}},
    )
    ids = old.get(include=[])["ids"]
    reembedded = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        got = old.get(ids=chunk, include=["documents", "metadatas"])
        missing = _without_vector(old, chunk)
        present = [i for i in got["ids"] if i not in missing]
        vectors = dict(zip(present, old.get(ids=present, include=["embeddings"])["embeddings"], strict=True)) \
            if present else {}
        texts = dict(zip(got["ids"], got["documents"] or [None] * len(got["ids"]), strict=True))
        redo = [i for i in got["ids"] if i in missing]
        if redo:
            vectors.update(zip(redo, index.encoder.encode_documents([texts[i] or "" for i in redo]), strict=True))
            reembedded += len(redo)
        metas = got["metadatas"] or [None] * len(got["ids"])
        new.add(ids=got["ids"], embeddings=[vectors[i] for i in got["ids"]], documents=[texts[i] for i in got["ids"]],
                metadatas=[dict(m) if m else None for m in metas])
    _swap_in(index, name)
    return reembedded


def write_batch(index: InstructIndex, batch: Sequence[CorpusEntry]) -> tuple[int, int, int, int]:
    """Embed and upsert the entries of one batch that the collection does not already hold as they are.

    An entry counts as held only when its text and metadata match *and* its vector is there.

    Returns:
        ``(added, updated, unchanged, repaired)`` counts for this batch; ``repaired`` counts the documents a
        repair of the whole collection re-embedded, when this batch found ids without vectors.
    """
    stored = _stored(index, [e.id for e in batch])
    repaired = 0
    if _without_vector(index.collection, list(stored)):
        repaired = repair_collection(index)  # the whole collection, once; then this batch is checked again
        stored = _stored(index, [e.id for e in batch])
    same = {e.id for e in batch if stored.get(e.id) == (e.full_text, dict(e.metadata) if e.metadata else None)}
    todo = [e for e in batch if e.id not in same]
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
    return len(todo) - updated, updated, len(batch) - len(todo), repaired


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
        DbBusyError: Another process is writing to the same embedded database.

    Example:
        >>> stats = index_corpus(InstructIndex(path="/tmp/db", collection="debian"), "corpus.jsonl")  # doctest: +SKIP
        >>> stats.summary()  # doctest: +SKIP
        '60354 added, 0 updated, 0 unchanged'
    """
    if batch_size < 1:
        raise InputError(path, f"batch size must be at least 1, got {batch_size}")
    stats = IndexStats(total=scan_corpus(path) if total is None else total)
    with index.writing(), progress_bar("indexing", total=stats.total, disable=not show_progress) as advance:
        finish_interrupted_repair(index)
        for batch in iter_corpus_batches(path, batch_size):
            added, updated, unchanged, repaired = write_batch(index, batch)
            stats.added += added
            stats.updated += updated
            stats.unchanged += unchanged
            stats.repaired += repaired
            stats.seconds = time.perf_counter() - stats._start
            advance(len(batch), status=stats.summary())
            if on_batch is not None:
                on_batch(stats)
    stats.seconds = time.perf_counter() - stats._start
    return stats
