"""Fixtures for the FollowIR tests."""

from __future__ import annotations

import pytest
from followir_helpers import TINY, keyword_encoder


@pytest.fixture(scope="session")
def tiny():
    """The tiny FollowIR fixture, loaded."""
    from instructret.evaluation import load_followir

    return load_followir(TINY)


@pytest.fixture(scope="session")
def keywords():
    """The hand-set bag-of-words encoder."""
    return keyword_encoder()
