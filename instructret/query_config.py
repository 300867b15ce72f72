"""`QueryConfig`: the versioned ``instructret.json`` a model directory carries, and its one reader and writer.

The file says how the model is to be queried: the query template and the instruction-split settings (parser
and exclusion weight), plus the training record that ``instructret train`` adds. Every write goes through
:func:`write_query_config`; an older file without a ``version`` key is read as version 1 (template and
training record only), and keys this version does not know are kept as they are.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from instructret.atomic import write_text_atomic
from instructret.errors import InstructretError

#: File, inside a model directory, that carries instructret's settings for that model.
CONFIG_FILENAME = "instructret.json"

#: Version written by this release. 1: query_template (+ training), no version key. 2: + parser,
#: exclusion_weight and the version key itself.
QUERY_CONFIG_VERSION = 2


@dataclasses.dataclass(frozen=True)
class QueryConfig:
    """How a model is queried, as saved next to its weights.

    Attributes:
        version: Format version of the file (1 for files written before versions existed).
        query_template: The query template, or None for the library default.
        parser: The instruction parser the model was trained or tuned with, or None.
        exclusion_weight: The exclusion weight the model was trained or tuned with, or None.
        training: The training record of ``instructret train`` (see the model card), or None.
        extra: Keys this version does not know, kept on rewrite.
    """

    version: int = QUERY_CONFIG_VERSION
    query_template: str | None = None
    parser: str | None = None
    exclusion_weight: float | None = None
    training: dict[str, Any] | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The file's content (None values left out)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        data = {k: v for k, v in data.items() if v is not None}
        return {**self.extra, **data}

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = CONFIG_FILENAME) -> QueryConfig:
        """Read the file's content; a file without ``version`` is version 1.

        Raises:
            InstructretError: The file was written by a newer version of instructret.
        """
        version = data.get("version", 1)
        if not isinstance(version, int) or version < 1:
            raise InstructretError(f"{source}: field 'version': expected a positive integer, got {version!r}")
        if version > QUERY_CONFIG_VERSION:
            raise InstructretError(f"{source}: version {version} was written by a newer instructret (this one "
                                   f"reads up to {QUERY_CONFIG_VERSION}); upgrade instructret")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra", "version"}
        return cls(version=version, **{k: data[k] for k in known if k in data},
                   extra={k: v for k, v in data.items() if k not in known and k != "version"})


def read_query_config(model_dir: str | Path | None) -> QueryConfig | None:
    """The config a model directory carries, or None if it has none.

    Raises:
        InstructretError: The file is not valid JSON, or comes from a newer instructret.
    """
    if model_dir is None:
        return None
    path = Path(model_dir) / CONFIG_FILENAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InstructretError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InstructretError(f"{path}: expected a JSON object")
    return QueryConfig.from_json(data, str(path))


def write_query_config(model_dir: str | Path, **changes: Any) -> Path:
    """Update ``model_dir/instructret.json`` with ``changes``, keeping every other key; the one writer.

    The file is written at the current version, atomically.

    Returns:
        The file's path.
    """
    current = read_query_config(model_dir) or QueryConfig()
    updated = dataclasses.replace(current, version=QUERY_CONFIG_VERSION, **changes)
    path = Path(model_dir) / CONFIG_FILENAME
    write_text_atomic(path, json.dumps(updated.to_json(), indent=2) + "\n")
    return path
