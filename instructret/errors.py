"""Errors that instructret raises for user mistakes.

Everything here derives from :class:`InstructretError`. The CLI catches that base class and prints a
one-line message with a non-zero exit, so a bad input file never ends in a traceback.
"""

from __future__ import annotations

from pathlib import Path


class InstructretError(Exception):
    """Base class for errors caused by user input or configuration, not by a bug."""


class InputError(InstructretError):
    """A malformed input record, located by file, line and field.

    Args:
        path: The file that holds the bad record.
        message: What is wrong.
        line: 1-based line number, when the file is line oriented.
        field: Dotted name of the offending field, when one is to blame.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        where = self.path if line is None else f"{self.path}:{line}"
        if field:
            where = f"{where}: field '{field}'"
        super().__init__(f"{where}: {message}")


class ModelNotFoundError(InstructretError):
    """No model could be loaded from any of the places tried.

    Args:
        name: The model name the user gave.
        tried: Human-readable descriptions of every location tried, in order.
        cause: The last underlying error message, if any.
    """

    def __init__(self, name: str, tried: list[str], cause: str | None = None):
        self.name = name
        self.tried = tried
        detail = "; ".join(tried)
        msg = f"model '{name}' not found (tried: {detail})"
        if cause:
            msg += f". Last error: {cause}"
        super().__init__(msg)
