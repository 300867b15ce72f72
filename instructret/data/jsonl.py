"""Line-oriented JSON reading and crash-safe appending, with errors that name file, line and field."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from instructret.errors import InputError

M = TypeVar("M", bound=BaseModel)


UTF8_BOM = b"\xef\xbb\xbf"


def iter_text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for every line of a UTF-8 text file, decoded one line at a time.

    A UTF-8 byte-order mark at the start is skipped. Lines keep their line ending.

    Raises:
        InputError: If the file is missing or not a regular file, or a line is not valid UTF-8 (naming the
            line and the column of the first bad byte).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 1].hex()
                column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
                raise InputError(
                    path, f"not valid UTF-8 (byte 0x{bad} at column {column}); save the file as UTF-8", line=lineno
                ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json_line(text: str, path: str | Path, line: int) -> dict[str, Any]:
    """Parse one JSONL line into an object, raising :class:`InputError` (file:line) for anything else.

    NaN and Infinity, which Python's ``json`` accepts but JSON does not, are rejected, and so are values
    too deeply nested or numbers too long for Python to hold.
    """
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        # json's messages may end in "at" ("Unterminated string starting at"): don't say "at at column"
        msg = exc.msg.removesuffix(" at")
        raise InputError(path, f"not valid JSON ({msg} at column {exc.colno})", line=line) from None
    except ValueError as exc:  # NaN/Infinity, integers past Python's digit limit
        raise InputError(path, f"not valid JSON ({str(exc).splitlines()[0]})", line=line) from None
    except RecursionError:
        raise InputError(path, "not valid JSON (nested too deeply)", line=line) from None
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=line)
    return obj


def iter_json_lines(path: str | Path, allow_empty: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a UTF-8 JSONL file (a BOM is accepted).

    Raises:
        InputError: If the file is missing, empty (unless ``allow_empty``), not valid UTF-8, or a line is not
            a JSON object.
    """
    seen = False
    for lineno, text in iter_text_lines(path):
        if not text.strip():
            continue
        seen = True
        yield lineno, parse_json_line(text, path, lineno)
    if not seen and not allow_empty:
        raise InputError(path, "file is empty: expected one JSON object per line")


def validation_to_input_error(path: str | Path, line: int | None, exc: ValidationError) -> InputError:
    """Turn the first pydantic error into an :class:`InputError` naming the field."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or None
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
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


def check_output_file(path: str | Path) -> Path:
    """Check that ``path`` can be an output file: absent, or a regular file, and not below a file.

    Returns:
        The path.

    Raises:
        InputError: If ``path`` is a directory or another non-regular file, or a parent is not a directory.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise InputError(path, f"is {kind}; give the path of a file to write")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(path, f"cannot create it: {parent} is not a directory")
    return path


def repair_partial_tail(path: str | Path) -> int:
    """Drop a trailing partial line left by a crash mid-write, so appends start on a fresh line.

    Returns:
        The number of bytes removed (0 when the file ends cleanly or does not exist).
    """
    path = check_output_file(path)
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
        self.path = check_output_file(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            repair_partial_tail(self.path)
            self._fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:  # permissions, read-only file system, ...
            raise InputError(self.path, f"cannot write to it ({exc.strerror or exc})") from None
        self._fsync = fsync

    def write(self, obj: dict[str, Any]) -> None:
        """Append one object as a single line."""
        self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._fh.flush()
        if self._fsync:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
