"""`FollowIRDataset`: one instruction-following test set, in memory and validated.

A FollowIR set has a corpus, queries that each carry an original (``og``) and a changed instruction,
relevance judgments under both instructions, and the candidates (``top_ranked``) each query reranks.
The rows arrive in one of two layouts, both used on the Hugging Face hub:

- **FollowIR layout** (``jhu-clsp/robust04-instructions``, ``../shared/data/followir-dev``): tables
  ``corpus`` (``_id``, ``title``, ``text``), ``queries`` (``_id``, ``text``, ``instruction_og``,
  ``instruction_changed``), ``qrels_og`` and ``qrels_changed`` (``query-id``, ``corpus-id``, ``score``),
  and ``top_ranked`` (``qid``, ``pid``).
- **mteb layout** (the ``-mteb`` variants): query ids carry ``-og`` / ``-changed`` suffixes, the
  instructions sit in an ``instruction`` table (``query-id``, ``instruction``), both judgments sit in one
  ``default`` (or ``qrels``) table, ``top_ranked`` rows are (``query-id``, ``corpus-ids``), and
  ``qrel_diff`` (``query-id``, ``corpus-ids``) lists the documents whose relevance changed.

:func:`build_dataset` turns either into the same :class:`FollowIRDataset`, raising
:class:`~instructret.errors.InputError` (file, row, field) for anything malformed. Rows that refer to a
query or document the set does not have are excluded and reported (see
:mod:`~instructret.evaluation.dangling_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from instructret.data.jsonl import parse_record
from instructret.errors import InputError
from instructret.evaluation.dangling_rows import (
    NO_CANDIDATES,
    Exclusion,
    ExclusionLog,
    Location,
    drop_dangling_judgments,
    drop_dangling_lists,
)

#: Suffixes the mteb layout appends to query ids for the two instruction variants.
OG_SUFFIX = "-og"
CHANGED_SUFFIX = "-changed"

#: ``(location, row)`` pairs: where a row came from (file or ``repo:config``) and its line/row number.
Rows = Iterable[tuple[str, int, dict[str, Any]]]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, coerce_numbers_to_str=True)


class CorpusRow(_Row):
    """A corpus row: ``_id``, optional ``title``, ``text``."""

    id: str = Field(alias="_id", min_length=1)
    title: str | None = None
    text: str


class QueryRow(_Row):
    """A query row; the instructions are optional here because the mteb layout keeps them apart."""

    id: str = Field(alias="_id", min_length=1)
    text: str
    instruction_og: str | None = None
    instruction_changed: str | None = None
    instruction: str | None = None


class QrelRow(_Row):
    """One relevance judgment."""

    query_id: str = Field(alias="query-id", min_length=1)
    corpus_id: str = Field(alias="corpus-id", min_length=1)
    score: int


class PairRow(_Row):
    """A FollowIR-layout candidate: one (``qid``, ``pid``) pair."""

    qid: str = Field(min_length=1)
    pid: str = Field(min_length=1)


class ListRow(_Row):
    """An mteb-layout row listing documents for a query (``top_ranked`` and ``qrel_diff``)."""

    query_id: str = Field(alias="query-id", min_length=1)
    corpus_ids: list[str] = Field(alias="corpus-ids")


class InstructionRow(_Row):
    """An mteb-layout instruction row."""

    query_id: str = Field(alias="query-id", min_length=1)
    instruction: str


@dataclass(frozen=True)
class FollowIRQuery:
    """A query with its two instructions."""

    id: str
    text: str
    instruction_og: str
    instruction_changed: str


@dataclass
class FollowIRDataset:
    """An instruction-following evaluation set.

    Attributes:
        name: Short name (``robust04``, a directory name, ...).
        source: Where it was loaded from (hub id or local path).
        revision: Hub revision, or a content hash for a local directory.
        corpus: Document id -> ``(title, text)``.
        queries: Query id -> :class:`FollowIRQuery`, in file order.
        qrels_og: Judgments under the original instruction, ``{query: {doc: score}}``.
        qrels_changed: Judgments under the changed instruction.
        top_ranked: Query id -> candidate document ids to rerank, in file order.
        changed_docs: Query id -> documents whose relevance changed (mteb's ``qrel_diff``).
        excluded: Rows left out because they refer to a missing query or document, or queries without
            candidates (see :mod:`~instructret.evaluation.dangling_rows`).
    """

    name: str
    source: str
    revision: str | None
    corpus: dict[str, tuple[str, str]]
    queries: dict[str, FollowIRQuery]
    qrels_og: dict[str, dict[str, int]]
    qrels_changed: dict[str, dict[str, int]]
    top_ranked: dict[str, list[str]]
    changed_docs: dict[str, list[str]] = field(default_factory=dict)
    excluded: list[Exclusion] = field(default_factory=list)

    def doc_text(self, doc_id: str) -> str:
        """The text a model reads for a document: ``title + " " + text``, stripped, exactly as mteb builds it."""
        title, text = self.corpus[doc_id]
        return f"{title} {text}".strip() if title else text.strip()

    @property
    def evaluated_query_ids(self) -> list[str]:
        """Queries that have candidates to rerank, in file order."""
        return [qid for qid in self.queries if self.top_ranked.get(qid)]

    def candidate_ids(self) -> list[str]:
        """Every document some query reranks, each once, in first-seen order."""
        return list(dict.fromkeys(d for qid in self.evaluated_query_ids for d in self.top_ranked[qid]))

    def summary(self) -> dict[str, int]:
        """Counts for reports: queries, corpus size, candidates, og-relevant and changed documents."""
        qids = self.evaluated_query_ids
        return {
            "queries": len(qids),
            "corpus": len(self.corpus),
            "candidates": sum(len(self.top_ranked[q]) for q in qids),
            "og_relevant": sum(1 for q in qids for s in self.qrels_og.get(q, {}).values() if s > 0),
            "changed": sum(len(self.changed_docs.get(q, [])) for q in qids),
        }


def _parse(model: type[_Row], rows: Rows) -> Iterator[tuple[str, int, Any]]:
    for where, line, obj in rows:
        yield where, line, parse_record(model, obj, where, line)


def _read_corpus(rows: Rows) -> dict[str, tuple[str, str]]:
    corpus: dict[str, tuple[str, str]] = {}
    for where, line, row in _parse(CorpusRow, rows):
        if row.id in corpus:
            raise InputError(where, f"duplicate document id {row.id!r}", line=line, field="_id")
        corpus[row.id] = (row.title or "", row.text)
    return corpus


#: ``(query, doc)`` -> where its row is, for reporting excluded rows.
Locations = dict[tuple[str, str], Location]


def _add_qrel(
    qrels: dict[str, dict[str, int]], qid: str, row: QrelRow, where: str, line: int, locs: Locations
) -> None:
    locs.setdefault((qid, row.corpus_id), (where, line))
    docs = qrels.setdefault(qid, {})
    if docs.get(row.corpus_id, row.score) != row.score:
        raise InputError(
            where, f"conflicting judgments for ({qid!r}, {row.corpus_id!r}): {docs[row.corpus_id]} and {row.score}",
            line=line, field="score",
        )
    docs[row.corpus_id] = row.score


def _read_qrels(rows: Rows) -> tuple[dict[str, dict[str, int]], Locations]:
    qrels: dict[str, dict[str, int]] = {}
    locs: Locations = {}
    for where, line, row in _parse(QrelRow, rows):
        _add_qrel(qrels, row.query_id, row, where, line, locs)
    return qrels, locs


def _split_suffix(qid: str, where: str, line: int, field: str) -> tuple[str, str]:
    for suffix, kind in ((OG_SUFFIX, "og"), (CHANGED_SUFFIX, "changed")):
        if qid.endswith(suffix) and len(qid) > len(suffix):
            return qid[: -len(suffix)], kind
    raise InputError(where, f"mteb-layout query id {qid!r} must end in '-og' or '-changed'", line=line, field=field)


def diff_qrels(og: dict[str, dict[str, int]], changed: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """Documents whose judgment differs between the two instructions (mteb's ``qrel_diff``).

    Only queries judged under the changed instruction count (a query without changed judgments has no
    known change). Within such a query a document missing from one side counts as score 0, so an
    originally relevant document left out of ``qrels_changed`` has lost its relevance.
    """
    diff: dict[str, list[str]] = {}
    for qid, new in changed.items():
        old = og.get(qid, {})
        docs = sorted(d for d in old.keys() | new.keys() if old.get(d, 0) != new.get(d, 0))
        if docs:
            diff[qid] = docs
    return diff


def _followir_queries(rows: Rows, lines: dict[str, Location]) -> dict[str, FollowIRQuery]:
    queries: dict[str, FollowIRQuery] = {}
    for where, line, row in _parse(QueryRow, rows):
        lines.setdefault(row.id, (where, line))
        if row.id in queries:
            raise InputError(where, f"duplicate query id {row.id!r}", line=line, field="_id")
        for name in ("instruction_og", "instruction_changed"):
            if getattr(row, name) is None:
                raise InputError(where, "required field is missing", line=line, field=name)
        queries[row.id] = FollowIRQuery(row.id, row.text, row.instruction_og, row.instruction_changed)
    return queries


def _mteb_queries(
    query_rows: Rows, instruction_rows: Rows | None, first_where: dict[str, Location]
) -> dict[str, FollowIRQuery]:
    texts: dict[str, str] = {}
    instructions: dict[tuple[str, str], str] = {}
    for where, line, row in _parse(QueryRow, query_rows):
        base, kind = _split_suffix(row.id, where, line, "_id")
        texts.setdefault(base, row.text)
        first_where.setdefault(base, (where, line))
        if row.instruction is not None:
            instructions[(base, kind)] = row.instruction
    for where, line, row in _parse(InstructionRow, instruction_rows or []):
        base, kind = _split_suffix(row.query_id, where, line, "query-id")
        instructions[(base, kind)] = row.instruction
    queries: dict[str, FollowIRQuery] = {}
    for base, text in texts.items():
        missing = [k for k in ("og", "changed") if (base, k) not in instructions]
        if missing:
            where, line = first_where[base]
            raise InputError(where, f"query {base!r} has no {' or '.join(missing)} instruction", line=line, field="_id")
        queries[base] = FollowIRQuery(base, text, instructions[(base, "og")], instructions[(base, "changed")])
    return queries


def _read_top_ranked(rows: Rows, mteb: bool, locs: Locations) -> dict[str, list[str]]:
    top: dict[str, dict[str, None]] = {}
    for where, line, obj in rows:
        if "corpus-ids" in obj or "query-id" in obj:
            row = parse_record(ListRow, obj, where, line)
            qid, pids = row.query_id, row.corpus_ids
            if mteb:
                qid, _ = _split_suffix(qid, where, line, "query-id")
        else:
            pair = parse_record(PairRow, obj, where, line)
            qid, pids = pair.qid, [pair.pid]
        # og and changed rerank the same candidates; keep each once, in order
        top.setdefault(qid, {}).update(dict.fromkeys(pids))
        for pid in pids:
            locs.setdefault((qid, pid), (where, line))
    return {qid: list(pids) for qid, pids in top.items()}


def _qrel_diff(rows: Rows, locs: Locations) -> dict[str, list[str]]:
    diff: dict[str, list[str]] = {}
    for where, line, row in _parse(ListRow, rows):
        diff[row.query_id] = list(row.corpus_ids)
        for doc in row.corpus_ids:
            locs.setdefault((row.query_id, doc), (where, line))
    return diff


def build_dataset(
    tables: dict[str, Rows], name: str, source: str, revision: str | None, locations: dict[str, str]
) -> FollowIRDataset:
    """Assemble and validate a :class:`FollowIRDataset` from raw table rows in either layout.

    Args:
        tables: Table name -> rows; FollowIR layout (``corpus``, ``queries``, ``qrels_og``, ``qrels_changed``,
            ``top_ranked``) or mteb layout (``corpus``, ``queries``, ``instruction``?, ``default`` or ``qrels``,
            ``top_ranked``, ``qrel_diff``?).
        name: Short dataset name.
        source: Hub id or local path.
        revision: Revision or content hash.
        locations: Table name -> human-readable location, for errors that concern a whole table.

    Rows that refer to a query or document the set does not have are left out and listed in the dataset's
    ``excluded`` (see :mod:`~instructret.evaluation.dangling_rows`).

    Raises:
        InputError: For a missing table or field, a bad value, or when nothing is left to score.
    """
    mteb = "qrels_og" not in tables and ("default" in tables or "qrels" in tables)
    required = ["corpus", "queries", "top_ranked"] + ([] if mteb else ["qrels_og", "qrels_changed"])
    for table in required:
        if table not in tables:
            raise InputError(source, f"no '{table}' table found (expected FollowIR layout: corpus, queries, "
                             "qrels_og, qrels_changed, top_ranked)")
    corpus = _read_corpus(tables["corpus"])
    query_lines: dict[str, Location] = {}
    og_locs: Locations = {}
    changed_locs: Locations = {}
    if mteb:
        queries = _mteb_queries(tables["queries"], tables.get("instruction"), query_lines)
        og: dict[str, dict[str, int]] = {}
        changed: dict[str, dict[str, int]] = {}
        qrels_table = "default" if "default" in tables else "qrels"
        for where, line, row in _parse(QrelRow, tables[qrels_table]):
            base, kind = _split_suffix(row.query_id, where, line, "query-id")
            _add_qrel(og if kind == "og" else changed, base, row, where, line,
                      og_locs if kind == "og" else changed_locs)
        og_table = changed_table = qrels_table
    else:
        queries = _followir_queries(tables["queries"], query_lines)
        og, og_locs = _read_qrels(tables["qrels_og"])
        changed, changed_locs = _read_qrels(tables["qrels_changed"])
        og_table, changed_table = "qrels_og", "qrels_changed"
    top_locs: Locations = {}
    top_ranked = _read_top_ranked(tables["top_ranked"], mteb, top_locs)

    # one rule for every dangling reference: exclude the row and report it (see references.py)
    log = ExclusionLog()
    og = drop_dangling_judgments(og, og_locs, og_table, queries, corpus, log)
    changed = drop_dangling_judgments(changed, changed_locs, changed_table, queries, corpus, log)
    top_ranked = drop_dangling_lists(top_ranked, top_locs, "top_ranked", queries, corpus, log)
    if mteb and "qrel_diff" in tables:
        diff_locs: Locations = {}
        changed_docs = drop_dangling_lists(_qrel_diff(tables["qrel_diff"], diff_locs), diff_locs, "qrel_diff",
                                           queries, corpus, log)
    else:
        changed_docs = diff_qrels(og, changed)
    for qid in queries:
        if not top_ranked.get(qid):
            log.add("queries", NO_CANDIDATES, qid, query_lines.get(qid))
    dataset = FollowIRDataset(name, source, revision, corpus, queries, og, changed, top_ranked, changed_docs,
                              log.as_list())
    if not dataset.evaluated_query_ids:
        raise InputError(locations.get("top_ranked", source), "no query has candidates to rerank")
    if not any(dataset.changed_docs.get(q) for q in dataset.evaluated_query_ids):
        raise InputError(
            locations.get("qrels_changed", source),
            "no document changes relevance between the og and changed instructions, so p-MRR is undefined",
        )
    return dataset
