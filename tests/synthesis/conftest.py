"""A real OpenAI-compatible test server on 127.0.0.1 for every synthesis test that asks for one."""

from __future__ import annotations

import pytest

from tests.support.testserver import FakeOpenAIServer


@pytest.fixture
def llm_server():
    """A fresh :class:`FakeOpenAIServer` (no latency, no faults until a test scripts them)."""
    with FakeOpenAIServer(slow_seconds=2.5) as srv:
        yield srv
