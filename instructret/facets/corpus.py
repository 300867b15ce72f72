"""A corpus whose documents carry facet metadata, read through a :class:`FacetVocabulary`.

Rows are JSON objects with an id (``id`` or ``_id``), a ``text``, an optional ``title`` (the document is
``title + " " + text``, as mteb builds it) and facet fields named by the vocabulary (Debian's corpus keeps
debtags in ``tags``). Each document gets, per vocabulary family, the set of values its tags name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructret.data.jsonl import iter_json_lines
from instructret.errors import InputError
from instructret.facets.vocabulary import FacetVocabulary

#: A topic or contrast value: (family name, value name).
FacetKey = tuple[str, str]


@dataclass(frozen=True)
class FacetedDoc:
    """One document and its resolved facets.

    Attributes:
        id: Document id.
        title: The row's title (None when it has none).
        body: The row's text.
        facets: Family -> the values the document's tags name in it (two or more: ambiguous).
    """

    id: str
    title: str | None
    body: str
    facets: dict[str, frozenset[str]]

    @property
    def text(self) -> str:
        """What a model reads: ``title + " " + text``, as mteb builds it."""
        return f"{self.title} {self.body}" if self.title else self.body

    def single(self, family: str) -> str | None:
        """The document's one value in ``family``, or None when it has none or several."""
        values = self.facets.get(family)
        return next(iter(values)) if values and len(values) == 1 else None


@dataclass
class FacetedCorpus:
    """Documents with facets, and what reading them skipped.

    Attributes:
        docs: Documents with at least one known facet value, in file order.
        rows: Rows read.
        skipped: Reason -> rows skipped (``no facet tags``, ``no known facet``, ``excluded``).
        no_evidence: Family -> tagged values dropped because the text shows no sign of them.
        source: The file read.
    """

    docs: list[FacetedDoc]
    rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    no_evidence: Counter = field(default_factory=Counter)
    source: str = ""

    def topics(self, vocabulary: FacetVocabulary) -> dict[FacetKey, list[int]]:
        """Topic value -> indices of the documents on that topic, in document order."""
        out: dict[FacetKey, list[int]] = {}
        for family in vocabulary.families_with("topic"):
            for i, doc in enumerate(self.docs):
                for value in sorted(doc.facets.get(family, ())):
                    out.setdefault((family, value), []).append(i)
        return out

    def contrast_counts(self, vocabulary: FacetVocabulary) -> dict[str, Counter]:
        """Per contrast family, how many documents have one value, none (``missing``) or several (``ambiguous``).

        ``no evidence`` counts tagged values dropped because the text does not show them (those documents are
        among ``missing`` unless another value remained).
        """
        out: dict[str, Counter] = {}
        for family in vocabulary.families_with("contrast"):
            c: Counter = Counter()
            for doc in self.docs:
                n = len(doc.facets.get(family, ()))
                c["one value" if n == 1 else "missing" if n == 0 else "ambiguous"] += 1
            if self.no_evidence[family]:
                c["no evidence"] = self.no_evidence[family]
            out[family] = c
        return out


def _row_id(obj: dict[str, Any], path: Path, line: int) -> str:
    for key in ("id", "_id"):
        value = obj.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    field_name = "id" if "id" in obj or "_id" not in obj else "_id"
    msg = "required field is missing" if field_name not in obj else "must be a non-empty string"
    raise InputError(path, msg, line=line, field=field_name)


def _row_text(obj: dict[str, Any], path: Path, line: int) -> tuple[str | None, str]:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(path, "required field is missing" if text is None else "must be a non-empty string",
                         line=line, field="text")
    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise InputError(path, "must be a string", line=line, field="title")
    return title or None, text


def read_faceted_corpus(
    path: str | Path, vocabulary: FacetVocabulary, exclude_ids: Iterable[str] = ()
) -> FacetedCorpus:
    """Read a corpus JSONL and resolve every document's facets.

    Args:
        path: The corpus file.
        vocabulary: Which fields carry facets and what the tags mean.
        exclude_ids: Document ids to leave out (for example everything an evaluation set uses).

    Returns:
        The documents with at least one known facet value; the rest are counted in ``skipped``.

    Raises:
        InputError: A row without an id or text (file, line and field named), or a repeated id.
    """
    path = Path(path)
    exclude = set(exclude_ids)
    corpus = FacetedCorpus(docs=[], source=str(path))
    seen: dict[str, int] = {}
    for line, obj in iter_json_lines(path):
        corpus.rows += 1
        doc_id = _row_id(obj, path, line)
        if doc_id in seen:
            raise InputError(path, f"id {doc_id!r} repeats line {seen[doc_id]}", line=line, field="id")
        seen[doc_id] = line
        title, body = _row_text(obj, path, line)
        if doc_id in exclude:
            corpus.skipped["excluded"] += 1
            continue
        tags = vocabulary.tags_of(obj)
        if not tags:
            corpus.skipped["no facet tags"] += 1
            continue
        doc = FacetedDoc(doc_id, title, body, {})
        facets, unseen = vocabulary.resolve(tags, doc.text)
        corpus.no_evidence.update(unseen)
        if not facets:
            corpus.skipped["no known facet"] += 1
            continue
        corpus.docs.append(FacetedDoc(doc_id, title, body, facets))
    return corpus
