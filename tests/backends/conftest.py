"""Fixtures for the backend tests: an export cache of the session's own and a model directory it owns."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="module", autouse=True)
def export_home(tmp_path_factory):
    """Exports of models without a writable directory (the packaged alias) go here, not to the user cache.

    Module-scoped, so the variable is gone again before tests in other folders (the quickstart
    looks for its GGUF under the same home) run.
    """
    home = tmp_path_factory.mktemp("instructret-home")
    old = os.environ.get("INSTRUCTRET_HOME")
    os.environ["INSTRUCTRET_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("INSTRUCTRET_HOME", None)
    else:
        os.environ["INSTRUCTRET_HOME"] = old


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A writable copy of the packaged MiniLM: it stands for a trained model's output directory."""
    from instructret.encoder import resolve_model_path

    _, src = resolve_model_path("minilm")
    dst = tmp_path_factory.mktemp("trained") / "model"
    shutil.copytree(src, dst)
    return dst
