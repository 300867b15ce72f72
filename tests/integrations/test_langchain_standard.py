"""LangChain's own standard suites, run against the real packaged model and a real embedded Chroma."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests
from md_corpus import QUERY, fill

from instructret.index import InstructIndex
from instructret.integrations.langchain import InstructEmbeddings, InstructRetriever

EMBEDDING_PARAMS = {"model": "minilm", "device": "cpu", "instruction": "only command-line programs"}


class TestInstructEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[InstructEmbeddings]:
        return InstructEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return EMBEDDING_PARAMS


class TestInstructEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[InstructEmbeddings]:
        return InstructEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return EMBEDDING_PARAMS


class TestInstructRetrieverIntegration(RetrieversIntegrationTests):
    # The suite builds retrievers from a property, so the real index is made once per class here.
    @pytest.fixture(autouse=True, scope="class")
    def _index(self, request, minilm, tmp_path_factory):
        request.cls.index = fill(InstructIndex(encoder=minilm, path=tmp_path_factory.mktemp("lc-std") / "db"))

    @property
    def retriever_constructor(self) -> type[InstructRetriever]:
        return InstructRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"index": self.index, "instruction": "only command-line programs"}

    @property
    def retriever_query_example(self) -> str:
        return QUERY
