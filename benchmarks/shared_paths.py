"""Where benchmarks find the project's shared development data (``../shared/data`` beside the checkout).

``INSTRUCTRET_SHARED_DATA`` points elsewhere; the same rule as ``tests/shared_data.py``, which also skips
tests when the folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_root() -> Path:
    """The shared data folder: ``$INSTRUCTRET_SHARED_DATA``, else ``../shared/data`` beside the checkout."""
    env = os.environ.get("INSTRUCTRET_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
