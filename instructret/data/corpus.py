"""Reading document collections for indexing, and the checks that keep Chroma from refusing a document late.

Chroma refuses some metadata only when a batch is written (after the model has loaded, taking the valid
documents of the batch down with it), and stores other values silently changed. :func:`check_entry` refuses
both in the validation pass, naming file, line and field:

* keys Chroma reserves or rejects: ``chroma:*`` (``chroma:document`` is refused, other ``chroma:`` keys are
  dropped without a word), keys starting with ``#`` or ``$``, and the empty key;
* values it cannot store exactly: integers outside the signed 64-bit range (stored as a rounded float),
  NaN and infinities (``1e999`` in JSON reads as infinity);
* text that is not encodable UTF-8 (lone surrogate escapes in the JSON), in ids, texts, titles, keys
  and values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import CorpusEntry
from instructret.errors import InputError

__all__ = ["INT64_MAX", "INT64_MIN", "check_entry", "check_metadata", "metadata_problem", "read_corpus"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: Key prefixes Chroma keeps for itself or refuses in document metadata.
RESERVED_PREFIXES = ("chroma:", "#", "$")


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def key_problem(key: str) -> str | None:
    """Why Chroma would refuse (or silently drop) a metadata key, or None if it is fine."""
    if not key:
        return "an empty metadata key is not allowed"
    for prefix in RESERVED_PREFIXES:
        if key.startswith(prefix):
            return f"metadata keys starting with {prefix!r} are reserved by Chroma; rename the key"
    if _not_utf8(key):
        return "the key is not valid UTF-8 (a lone surrogate escape such as \\ud800)"
    return None


def value_problem(value: Any) -> str | None:
    """Why Chroma cannot store a metadata value exactly, or None if it can."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return (f"integer {value} is outside the 64-bit range Chroma stores exactly "
                    f"({INT64_MIN}..{INT64_MAX}); store it as a string")
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{value} cannot be stored (only finite numbers); store it as a string"
        return None
    if isinstance(value, str):
        return "the text is not valid UTF-8 (a lone surrogate escape such as \\ud800)" if _not_utf8(value) else None
    return f"expected a string, number or boolean, got {type(value).__name__}"


def metadata_problem(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first key of ``metadata`` Chroma would refuse or change, and why; None when all is fine."""
    for key, value in metadata.items():
        problem = key_problem(key) if isinstance(key, str) else "metadata keys must be strings"
        if problem is None:
            problem = value_problem(value)
        if problem is not None:
            return str(key), problem
    return None


def check_metadata(
    metadata: Mapping[str, Any] | None,
    path: str | Path,
    line: int | None,
    top_level: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Refuse metadata that Chroma would refuse or store changed.

    Args:
        metadata: A document's metadata (None for none).
        path: The file, for the error.
        line: The line, for the error.
        top_level: Keys that came from top-level fields of the row, named without ``metadata.`` in errors.

    Raises:
        InputError: Naming file, line and field (``metadata.KEY``, or the top-level field's name).
    """
    if not metadata:
        return
    found = metadata_problem(metadata)
    if found is not None:
        key, problem = found
        raise InputError(path, problem, line=line, field=key if key in top_level else f"metadata.{key}")


def check_entry(entry: CorpusEntry, path: str | Path, line: int | None,
                top_level: frozenset[str] | set[str] = frozenset()) -> CorpusEntry:
    """Check a parsed corpus row for everything Chroma would refuse at write time (see the module docstring).

    Returns:
        The entry.

    Raises:
        InputError: Naming file, line and field.
    """
    for name in ("id", "text", "title"):
        value = getattr(entry, name)
        if isinstance(value, str) and _not_utf8(value):
            raise InputError(path, "not valid UTF-8 (a lone surrogate escape such as \\ud800)", line=line,
                             field=name)
    check_metadata(entry.metadata, path, line, top_level)
    return entry


def read_corpus(path: str | Path) -> list[CorpusEntry]:
    """Read an ``instructret index`` input file (``{"id", "text", "title"?, "metadata"?}`` per line).

    Raises:
        InputError: Naming file, line and field for a malformed or duplicate entry, or metadata Chroma
            would refuse (see :func:`check_entry`).
    """
    entries: list[CorpusEntry] = []
    first_line: dict[str, int] = {}
    for line, obj in iter_json_lines(path):
        entry = check_entry(parse_record(CorpusEntry, obj, path, line), path, line)
        if entry.id in first_line:
            raise InputError(path, f"duplicate id {entry.id!r} (first on line {first_line[entry.id]})",
                             line=line, field="id")
        first_line[entry.id] = line
        entries.append(entry)
    return entries
