"""A model that fails to load says why: only a model that is not there is 'not found'."""

from __future__ import annotations

import pytest

from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError, ModelNotFoundError
from instructret.model_loading import _load_failure


def test_a_corrupt_weights_file_is_not_reported_as_missing(tmp_path, minilm):
    target = tmp_path / "model"
    minilm.model.save(str(target))
    (target / "model.safetensors").write_bytes(b"\x00\x01 this is not a safetensors file")
    with pytest.raises(InstructretError) as info:
        InstructEncoder(str(target), device="cpu")
    assert not isinstance(info.value, ModelNotFoundError)
    assert f"model '{target}' could not be read: a file in it is corrupt or truncated" in str(info.value)


def test_out_of_memory_says_so(tmp_path):
    err = _load_failure("big-model", None, ["hub id 'big-model'"], "cuda", MemoryError("cannot allocate 4 GiB"))
    assert not isinstance(err, ModelNotFoundError)
    assert "out of memory while loading model 'big-model' on cuda" in str(err)


def test_a_missing_model_is_still_not_found(tmp_path):
    err = _load_failure("nowhere", None, ["local path /x (does not exist)"], "cpu", OSError("no such repo"))
    assert isinstance(err, ModelNotFoundError) and "nowhere" in str(err)
