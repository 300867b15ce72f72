"""instructret: instruction-following dense retrieval.

The main entry points, imported on first use so that ``import instructret`` stays light:

- :class:`~instructret.encoder.InstructEncoder`: encode instructed queries and plain documents;
- :class:`~instructret.index.InstructIndex`: instructed search over a Chroma collection;
- :class:`~instructret.formatting.InstructionTemplate`: the one query + instruction template.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Hit",
    "InputError",
    "InstructEmbeddingFunction",
    "InstructEncoder",
    "InstructIndex",
    "InstructionTemplate",
    "InstructretError",
    "__version__",
]

_EXPORTS = {
    "InstructEncoder": "instructret.encoder",
    "InstructIndex": "instructret.index",
    "InstructEmbeddingFunction": "instructret.index",
    "Hit": "instructret.index",
    "InstructionTemplate": "instructret.formatting",
    "InstructretError": "instructret.errors",
    "InputError": "instructret.errors",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'instructret' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
