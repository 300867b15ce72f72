"""Line-oriented JSON reading and crash-safe appending, with errors that name file, line and field."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from instructret.errors import InputError

M = TypeVar("M", bound=BaseModel)


def iter_json_lines(path: str | Path, allow_empty: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file.

    Raises:
        InputError: If the file is missing, empty (unless ``allow_empty``), or a line is not a JSON object.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    seen = False
    with path.open("r", encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"not valid JSON ({exc.msg} at column {exc.colno})", line=lineno) from exc
            if not isinstance(obj, dict):
                raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
            seen = True
            yield lineno, obj
    if not seen and not allow_empty:
        raise InputError(path, "file is empty: expected one JSON object per line")


def validation_to_input_error(path: str | Path, line: int | None, exc: ValidationError) -> InputError:
    """Turn the first pydantic error into an :class:`InputError` naming the field."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or None
    msg = err.get("msg", "invalid value")
    if err.get("type") == "missing":
        msg = "required field is missing"
    return InputError(path, msg, line=line, field=field)


def parse_record(model: type[M], obj: dict[str, Any], path: str | Path, line: int | None) -> M:
    """Validate one object against a pydantic model, raising :class:`InputError` on failure."""
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise validation_to_input_error(path, line, exc) from exc


def read_records(path: str | Path, model: type[M], allow_empty: bool = False) -> list[M]:
    """Read and validate every line of a JSONL file."""
    return [parse_record(model, obj, path, line) for line, obj in iter_json_lines(path, allow_empty)]


def repair_partial_tail(path: str | Path) -> int:
    """Drop a trailing partial line left by a crash mid-write, so appends start on a fresh line.

    Returns:
        The number of bytes removed (0 when the file ends cleanly or does not exist).
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return 0
        # Walk back to the last newline; everything after it is an unfinished record.
        pos = size
        chunk = 4096
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            data = fh.read(pos - start)
            idx = data.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                fh.truncate(keep)
                return size - keep
            pos = start
        fh.truncate(0)
        return size


class JsonlAppender:
    """Append JSON objects to a file, one whole line per write, flushed and fsynced.

    A crash can leave at most one partial last line, which :func:`repair_partial_tail` (called on open)
    removes, so a resumed run never sees a corrupt record.
    """

    def __init__(self, path: str | Path, fsync: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_partial_tail(self.path)
        self._fh = self.path.open("a", encoding="utf-8")
        self._fsync = fsync

    def write(self, obj: dict[str, Any]) -> None:
        """Append one object as a single line."""
        self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._fh.flush()
        if self._fsync:
            os.fsync(self._fh.fileno())

    def write_many(self, objs: Iterable[dict[str, Any]]) -> None:
        """Append several objects."""
        for obj in objs:
            self.write(obj)

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
