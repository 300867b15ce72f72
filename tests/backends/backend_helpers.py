"""Skip helper for tests that need a backend's optional packages."""

from __future__ import annotations

from importlib import import_module

import pytest

from instructret.backends import SPECS


def backend_or_skip(backend: str) -> None:
    """Skip the calling test, naming the install command, when a backend's packages are missing."""
    spec = SPECS[backend]
    for module in spec.modules:
        try:
            import_module(module)
        except ImportError:
            pytest.skip(f"{backend} backend not installed: {spec.install_hint()}")
