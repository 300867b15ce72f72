"""Fixtures: the markdown corpus indexed in an embedded Chroma and in a real Chroma server."""

from __future__ import annotations

import pytest
from md_corpus import fill, unique_collection

from instructret.index import InstructIndex


@pytest.fixture
def md_index(minilm, tmp_path) -> InstructIndex:
    """The corpus in an embedded Chroma, indexed with the packaged MiniLM."""
    return fill(InstructIndex(encoder=minilm, collection="markdown", path=tmp_path / "db"))


@pytest.fixture
def server_index(minilm, chroma_server) -> InstructIndex:
    """The corpus in a real `chroma run` server on loopback."""
    return fill(InstructIndex(encoder=minilm, collection=unique_collection("md"), url=chroma_server))
