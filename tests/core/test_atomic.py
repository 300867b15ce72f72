"""write_text_atomic: whole content, ordinary permissions, no temporary file left behind."""

from __future__ import annotations

import os
import stat

import pytest

from instructret.atomic import write_text_atomic


def test_replaces_the_file_with_ordinary_permissions(tmp_path):
    path = tmp_path / "results.md"
    path.write_text("old")
    old_umask = os.umask(0o022)
    try:
        write_text_atomic(path, "new ✓\n")
    finally:
        os.umask(old_umask)
    assert path.read_text(encoding="utf-8") == "new ✓\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["results.md"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_text_atomic(path, 123)  # type: ignore[arg-type]
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
