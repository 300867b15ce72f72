"""Reading synthesis seeds: the project's seed-tuple JSONL, or the Promptriever format (file or hub).

Every bad row is reported as ``file:line: field 'x': message`` before any LLM call is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import SeedTuple
from instructret.errors import InputError, InstructretError

#: Prefix that selects a Hugging Face hub dataset instead of a file: ``hf:owner/name[:split]``.
HUB_PREFIX = "hf:"


def _normalise(obj: dict[str, Any]) -> dict[str, Any]:
    # Promptriever rows carry the query with the instruction appended in ``query``, and the two parts
    # separately in ``only_query`` / ``only_instruction``: use the parts.
    if "positive_passages" in obj and isinstance(obj.get("only_query"), str):
        obj = dict(obj)
        obj["query"] = obj["only_query"]
        instr = obj.get("only_instruction")
        has = obj.get("has_instruction", True)
        obj["instruction"] = instr if (has and isinstance(instr, str) and instr.strip()) else None
    elif isinstance(obj.get("instruction"), str) and not obj["instruction"].strip():
        obj = {**obj, "instruction": None}
    return obj


def parse_seed(obj: dict[str, Any], source: str | Path, line: int | None) -> SeedTuple:
    """Validate one seed row (either format)."""
    return parse_record(SeedTuple, _normalise(obj), source, line)


def read_seeds(source: str | Path, limit: int | None = None) -> list[tuple[int, SeedTuple]]:
    """Read seed tuples as ``(line, seed)`` pairs.

    Args:
        source: A JSONL file (seed tuples or Promptriever rows), or ``hf:owner/name[:split]`` to stream a
            hub dataset in the Promptriever format (e.g. ``hf:samaya-ai/msmarco-w-instructions:train``).
        limit: Only the first ``limit`` rows.

    Raises:
        InputError: A row is malformed, lacks a field, has no negatives, or the file is empty.
        InstructretError: The hub dataset cannot be loaded.
    """
    if isinstance(source, str) and source.startswith(HUB_PREFIX):
        return _read_hub(source, limit)
    seeds: list[tuple[int, SeedTuple]] = []
    for line, obj in iter_json_lines(source):
        seeds.append((line, parse_seed(obj, source, line)))
        if limit is not None and len(seeds) >= limit:
            break
    return seeds


def _read_hub(source: str, limit: int | None) -> list[tuple[int, SeedTuple]]:
    spec = source[len(HUB_PREFIX) :]
    name, _, split = spec.partition(":")
    try:
        import datasets

        ds = datasets.load_dataset(name, split=split or "train", streaming=True)
    except Exception as exc:  # offline, unknown name, missing package: all the user's to fix
        raise InstructretError(f"cannot load hub dataset {name!r}: {type(exc).__name__}: {exc}") from None
    seeds: list[tuple[int, SeedTuple]] = []
    for i, obj in enumerate(ds, start=1):
        if not isinstance(obj, dict):
            raise InputError(source, "expected a record", line=i)
        seeds.append((i, parse_seed(obj, source, i)))
        if limit is not None and len(seeds) >= limit:
            break
    if not seeds:
        raise InputError(source, "dataset is empty")
    return seeds
