"""Reading document collections for indexing."""

from __future__ import annotations

from pathlib import Path

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import CorpusEntry
from instructret.errors import InputError


def read_corpus(path: str | Path) -> list[CorpusEntry]:
    """Read an ``instructret index`` input file (``{"id", "text", "title"?, "metadata"?}`` per line).

    Raises:
        InputError: Naming file, line and field for a malformed or duplicate entry.
    """
    entries: list[CorpusEntry] = []
    first_line: dict[str, int] = {}
    for line, obj in iter_json_lines(path):
        entry = parse_record(CorpusEntry, obj, path, line)
        if entry.id in first_line:
            raise InputError(path, f"duplicate id {entry.id!r} (first on line {first_line[entry.id]})",
                             line=line, field="id")
        first_line[entry.id] = line
        entries.append(entry)
    return entries
