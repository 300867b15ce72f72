"""The one path helper for data in ../shared/data: tests that use it skip cleanly when it is absent.

The core suite never needs it; set INSTRUCTRET_SHARED_DATA to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[1]


def shared_data_root() -> Path:
    """Where the shared data folder is expected."""
    env = os.environ.get("INSTRUCTRET_SHARED_DATA")
    return Path(env) if env else _REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Return a path under the shared data folder, or skip the calling test when it is missing."""
    path = shared_data_root().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path
