from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    """71 real Debian package descriptions with debtags (see data/README.md)."""
    return DATA / "debian-sample.jsonl"
