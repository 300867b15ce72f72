"""Rows of a FollowIR set that point at a query or document the set does not have.

The rule (the README's FollowIR section states it too): a judgment (``qrels_og``, ``qrels_changed``,
``default``/``qrels``, ``qrel_diff``) or a candidate (``top_ranked``) whose query is not in ``queries`` or
whose document is not in ``corpus`` cannot be scored, so it is **excluded**, and every exclusion is
reported with its count and the location of its first row. Queries without candidates are not run, so
they are reported and left out the same way.

This is how mteb scores such data (``pytrec_eval`` only scores queries that were run, and mteb's
dataset statistics count ``num_missing_query_ids`` / ``num_missing_corpus_ids`` rather than refusing the
set). It is not what ``ir_measures`` does by default: its evaluator adds a score of 0 for every judged
query missing from the run, which would average over phantom queries. One difference from mteb remains
on purpose: a judgment for a document missing from the corpus is excluded here, while ``pytrec_eval``
would count it as a relevant document that no model can ever retrieve.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field

#: Where a row came from: ``(location, line)``.
Location = tuple[str, int]

#: Reasons a row is excluded.
UNKNOWN_QUERY = "query not in the queries table"
UNKNOWN_DOCUMENT = "document not in the corpus"
NO_CANDIDATES = "query has no candidates in top_ranked"


@dataclass(frozen=True)
class Exclusion:
    """Rows of one table left out of scoring for one reason.

    Attributes:
        table: The table (``qrels_og``, ``qrels_changed``, ``top_ranked``, ``qrel_diff``, ``queries``).
        reason: Why (one of :data:`UNKNOWN_QUERY`, :data:`UNKNOWN_DOCUMENT`, :data:`NO_CANDIDATES`).
        rows: How many rows (judgments, candidates or queries).
        example: The id that was missing in the first such row.
        where: File (or ``repo:config``) of the first such row.
        line: Its line or row number.
    """

    table: str
    reason: str
    rows: int
    example: str
    where: str
    line: int | None

    def message(self) -> str:
        """One line for users, e.g. ``qrels_og.jsonl:58: 1 qrels_og row excluded from scoring: ...``."""
        loc = self.where if self.line is None else f"{self.where}:{self.line}"
        noun = "row" if self.rows == 1 else "rows"
        return f"{loc}: {self.rows} {self.table} {noun} excluded from scoring: {self.reason} (first: {self.example!r})"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields (as written to ``results.json``)."""
        return {"table": self.table, "reason": self.reason, "rows": self.rows, "example": self.example,
                "where": self.where, "line": self.line}


@dataclass
class ExclusionLog:
    """Collects exclusions while a dataset is built, one entry per (table, reason), in the order seen."""

    entries: dict[tuple[str, str], Exclusion] = field(default_factory=dict)

    def add(self, table: str, reason: str, example: str, where: Location | None) -> None:
        """Count one excluded row; the first row of a kind sets the example and location."""
        key = (table, reason)
        old = self.entries.get(key)
        if old is None:
            src, line = where if where is not None else (table, None)
            self.entries[key] = Exclusion(table, reason, 1, example, src, line)
        else:
            self.entries[key] = Exclusion(table, reason, old.rows + 1, old.example, old.where, old.line)

    def as_list(self) -> list[Exclusion]:
        """The exclusions, first-seen order."""
        return list(self.entries.values())


def drop_dangling_judgments(
    qrels: dict[str, dict[str, int]],
    where: Mapping[tuple[str, str], Location],
    table: str,
    queries: Container[str],
    corpus: Container[str],
    log: ExclusionLog,
) -> dict[str, dict[str, int]]:
    """The judgments whose query and document both exist; the others are logged as excluded.

    Args:
        qrels: ``{query: {doc: score}}``.
        where: ``(query, doc)`` -> location of its row.
        table: Table name for the log.
        queries: Known query ids.
        corpus: Known document ids.
        log: Where exclusions are counted.
    """
    kept: dict[str, dict[str, int]] = {}
    for qid, docs in qrels.items():
        for doc, score in docs.items():
            if qid not in queries:
                log.add(table, UNKNOWN_QUERY, qid, where.get((qid, doc)))
            elif doc not in corpus:
                log.add(table, UNKNOWN_DOCUMENT, doc, where.get((qid, doc)))
            else:
                kept.setdefault(qid, {})[doc] = score
    return kept


def drop_dangling_lists(
    lists: dict[str, list[str]],
    where: Mapping[tuple[str, str], Location],
    table: str,
    queries: Container[str],
    corpus: Container[str],
    log: ExclusionLog,
) -> dict[str, list[str]]:
    """Like :func:`drop_dangling_judgments`, for ``{query: [doc, ...]}`` tables (``top_ranked``, ``qrel_diff``)."""
    kept: dict[str, list[str]] = {}
    for qid, docs in lists.items():
        for doc in docs:
            if qid not in queries:
                log.add(table, UNKNOWN_QUERY, qid, where.get((qid, doc)))
            elif doc not in corpus:
                log.add(table, UNKNOWN_DOCUMENT, doc, where.get((qid, doc)))
            else:
                kept.setdefault(qid, []).append(doc)
    return kept
