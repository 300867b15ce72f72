"""Typed records and JSONL I/O with file:line:field errors."""

from instructret.data.corpus import read_corpus
from instructret.data.jsonl import (
    JsonlAppender,
    iter_json_lines,
    parse_record,
    read_records,
    repair_partial_tail,
)
from instructret.data.records import CorpusEntry, Document, DualViewPair, GeneralPair, SeedTuple

__all__ = [
    "CorpusEntry",
    "Document",
    "DualViewPair",
    "GeneralPair",
    "JsonlAppender",
    "SeedTuple",
    "iter_json_lines",
    "parse_record",
    "read_corpus",
    "read_records",
    "repair_partial_tail",
]
