"""What facet synthesis must leave out: the documents and topics of evaluation sets.

``--exclude`` takes FollowIR-format directories (their ``corpus.jsonl`` ids, and the topics recorded in the
``facets`` field of a facet-built ``queries.jsonl``), JSONL files of documents (``id`` or ``_id``), or files of
dual-view pairs (their two documents, and the topic of facet-built pairs). Data built with them shares no
document and no topic with those sets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from instructret.data.jsonl import iter_json_lines
from instructret.errors import InputError


@dataclass
class Exclusions:
    """Document ids, topic keys (``family/value``) and query texts to leave out."""

    doc_ids: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    queries: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)


def topic_key(family: str, value: str) -> str:
    """The string form of a topic, as written into pairs and query rows."""
    return f"{family}/{value}"


def _add_rows(out: Exclusions, path: Path) -> None:
    """Documents (``id`` / ``_id``) or dual-view pairs (their two documents and facet topic) of a JSONL file."""
    for _, obj in iter_json_lines(path, allow_empty=True):
        value = obj.get("_id", obj.get("id"))
        if value is not None:
            out.doc_ids.add(str(value))
        for side in ("positive", "negative"):
            doc = obj.get(side)
            if isinstance(doc, dict) and doc.get("id") is not None:
                out.doc_ids.add(str(doc["id"]))
        _add_topic(out, obj)


def _add_topic(out: Exclusions, obj: dict) -> None:
    facets = obj.get("facets")
    if isinstance(facets, dict) and isinstance(facets.get("topic"), str):
        out.topics.add(facets["topic"])


def read_exclusions(paths: Iterable[str | Path]) -> Exclusions:
    """Collect what the given evaluation sets or document files hold.

    Raises:
        InputError: A path that does not exist, or a directory without ``corpus.jsonl``.
    """
    out = Exclusions()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            corpus = path / "corpus.jsonl"
            if not corpus.is_file():
                raise InputError(path, "not a FollowIR-format directory with JSONL tables (no corpus.jsonl)")
            _add_rows(out, corpus)
            queries = path / "queries.jsonl"
            if queries.is_file():
                for _, obj in iter_json_lines(queries, allow_empty=True):
                    if isinstance(obj.get("text"), str):
                        out.queries.add(obj["text"].strip().lower())
                    _add_topic(out, obj)
        elif path.is_file():
            _add_rows(out, path)
        else:
            raise InputError(path, "file or directory not found")
        out.sources.append(str(path))
    return out
