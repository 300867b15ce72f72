"""Drop-in adapters for LangChain, LlamaIndex and Chroma.

Import from the framework's module (``instructret.integrations.langchain``,
``instructret.integrations.llama_index``), or take the names below from here: they are imported on first
use, so this package imports without LangChain or LlamaIndex installed. Both frameworks call their
retriever ``InstructRetriever``; here they are ``LangChainInstructRetriever`` and
``LlamaIndexInstructRetriever``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "InstructEmbedding",
    "InstructEmbeddingFunction",
    "InstructEmbeddings",
    "LangChainInstructRetriever",
    "LlamaIndexInstructRetriever",
]

# exported name -> (module, name there)
_EXPORTS = {
    "InstructEmbeddings": ("instructret.integrations.langchain", "InstructEmbeddings"),
    "LangChainInstructRetriever": ("instructret.integrations.langchain", "InstructRetriever"),
    "InstructEmbedding": ("instructret.integrations.llama_index", "InstructEmbedding"),
    "LlamaIndexInstructRetriever": ("instructret.integrations.llama_index", "InstructRetriever"),
    "InstructEmbeddingFunction": ("instructret.index", "InstructEmbeddingFunction"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
