"""`instructret.integrations` imports without LangChain or LlamaIndex, and its names resolve lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Setting sys.modules[name] = None makes any import of that package raise ImportError, as if uninstalled.
WITHOUT_FRAMEWORKS = """
import sys
for name in ("langchain_core", "langchain_chroma", "llama_index"):
    sys.modules[name] = None
import instructret.integrations as integrations
print(sorted(integrations.__all__))
print(integrations.InstructEmbeddingFunction.name())
try:
    integrations.InstructEmbeddings
except ImportError as exc:
    print("ImportError", exc.name, exc)
try:
    from instructret.integrations.llama_index import InstructEmbedding
except ImportError as exc:
    print("ImportError", exc.name, exc)
"""


def test_imports_without_langchain_or_llama_index():
    out = subprocess.run([sys.executable, "-c", WITHOUT_FRAMEWORKS], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == str(
        sorted(["InstructEmbedding", "InstructEmbeddingFunction", "InstructEmbeddings", "LangChainInstructRetriever",
                "LlamaIndexInstructRetriever"])
    )
    assert lines[1] == "instructret"
    assert lines[2].startswith("ImportError langchain_core")
    assert "pip install 'instructret[langchain]'" in lines[2]
    assert lines[3].startswith("ImportError llama_index")
    assert "pip install 'instructret[llamaindex]'" in lines[3]


def test_lazy_names_are_the_framework_classes():
    import instructret.integrations as integrations
    from instructret.integrations import langchain, llama_index

    assert integrations.InstructEmbeddings is langchain.InstructEmbeddings
    assert integrations.LangChainInstructRetriever is langchain.InstructRetriever
    assert integrations.InstructEmbedding is llama_index.InstructEmbedding
    assert integrations.LlamaIndexInstructRetriever is llama_index.InstructRetriever
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        integrations.Nope  # noqa: B018
