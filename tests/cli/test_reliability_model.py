"""Searching a collection with another model than it was indexed with is an error naming both, unless
--allow-model-mismatch; the same weights under another path are fine. One check (instructret.model_match)
serves the CLI, InstructIndex, the LangChain and LlamaIndex retrievers and Chroma's embedding-function rebuild."""

from __future__ import annotations

import json
import shutil

import pytest

from instructret.model_match import (
    MODEL_KEY,
    WEIGHTS_KEY,
    ModelMismatchError,
    check_collection_model,
    weights_fingerprint,
)
from tests.cli.reliability_helpers import run_cli, small_markdown_db


def _perturbed_copy(src, dst):
    """A copy of the packaged model with other weights: it stands for a fine-tuned model."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dst)
    tensors = load_file(str(dst / "model.safetensors"))
    name = next(k for k in tensors if k.endswith("attention.output.dense.weight"))
    tensors[name] = tensors[name] * 1.5
    save_file(tensors, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return dst


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from instructret.index import shared_encoder  # noqa: F401  (imports the encoder module)
    from instructret.model_match import model_dir_of

    src = model_dir_of("minilm")
    root = tmp_path_factory.mktemp("models")
    same = root / "same-weights"
    shutil.copytree(src, same)
    other = _perturbed_copy(src, root / "other-weights")
    return {"packaged": src, "same": same, "other": other}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, minilm):
    return small_markdown_db(tmp_path_factory.mktemp("mismatch") / "db", minilm)


def test_fingerprint_follows_the_weights_not_the_path(models):
    assert weights_fingerprint("minilm") == weights_fingerprint(str(models["same"]))
    assert weights_fingerprint(str(models["other"])) != weights_fingerprint("minilm")


def test_index_records_the_model(indexed, minilm):
    import chromadb

    meta = chromadb.PersistentClient(path=str(indexed)).get_collection("docs").metadata
    assert meta[WEIGHTS_KEY] == weights_fingerprint(minilm)
    assert meta[MODEL_KEY] == str(minilm.model_path)


def test_search_with_another_model_is_an_error_naming_both(indexed, models):
    r = run_cli("search", "markdown", "--db", str(indexed), "-c", "docs", "-m", str(models["other"]))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    assert err.startswith("error: collection 'docs' was indexed with model "), err
    assert str(models["packaged"]) in err and str(models["other"]) in err
    assert "--allow-model-mismatch" in err
    assert r.stdout == ""


def test_allow_model_mismatch_searches_with_a_note(indexed, models):
    r = run_cli("search", "markdown", "--db", str(indexed), "-c", "docs", "-m", str(models["other"]),
                "--allow-model-mismatch", "--json", "-k", "1")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("note: model mismatch allowed") == 1
    assert json.loads(r.stdout.splitlines()[0])["rank"] == 1


def test_same_weights_under_another_path_are_not_a_mismatch(indexed, models):
    r = run_cli("search", "markdown in a terminal", "--db", str(indexed), "-c", "docs", "-m", str(models["same"]),
                "--json", "-k", "1")
    assert r.returncode == 0, r.stderr
    assert "note:" not in r.stderr
    assert json.loads(r.stdout.splitlines()[0])["id"] == "cli"


def test_indexing_with_another_model_into_a_collection_is_refused(indexed, models, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "new", "text": "a chess engine"}) + "\n")
    r = run_cli("index", str(corpus), "--db", str(indexed), "-c", "docs", "-m", str(models["other"]))
    assert r.returncode == 2 and "was indexed with model" in r.stderr


def test_library_and_integrations_share_the_check(indexed, models, minilm):
    from instructret.encoder import InstructEncoder
    from instructret.index import InstructIndex

    other = InstructEncoder(str(models["other"]))
    with pytest.raises(ModelMismatchError, match="was indexed with model"):
        InstructIndex(encoder=other, collection="docs", path=indexed, create=False)
    with pytest.warns(UserWarning, match="model mismatch allowed"):
        index = InstructIndex(encoder=other, collection="docs", path=indexed, create=False,
                              allow_model_mismatch=True)

    from instructret.integrations.langchain import InstructRetriever as LangChainRetriever

    with pytest.raises(ModelMismatchError):
        LangChainRetriever(index=index)
    assert LangChainRetriever(index=index, allow_model_mismatch=True).index is index

    from instructret.integrations.llama_index import InstructRetriever as LlamaRetriever

    with pytest.raises(ModelMismatchError):
        LlamaRetriever.from_instruct_index(index)
    LlamaRetriever.from_instruct_index(index, allow_model_mismatch=True)

    good = InstructIndex(encoder=minilm, collection="docs", path=indexed, create=False)
    assert check_collection_model(good.collection, minilm).status == "same"
    assert LangChainRetriever(index=good).invoke("markdown in a terminal", k=1)[0].id == "cli"
    assert LlamaRetriever.from_instruct_index(good).retrieve("markdown in a terminal")[0].node.id_ == "cli"


def test_embedding_function_rebuild_notices_retrained_weights(tmp_path, models):
    """A collection's config names a model directory; if it holds other weights now, the rebuild says so."""
    import chromadb

    from instructret.encoder import InstructEncoder
    from instructret.index import InstructIndex

    model = tmp_path / "model"
    shutil.copytree(models["same"], model)
    index = InstructIndex(encoder=InstructEncoder(str(model)), collection="docs", path=tmp_path / "db")
    index.add(["a"], ["a terminal markdown viewer"])
    shutil.copy(models["other"] / "model.safetensors", model / "model.safetensors")  # "retrained" in place
    client = chromadb.PersistentClient(path=str(tmp_path / "db"))
    with pytest.raises(ValueError, match="was indexed with model"):
        _ = client.get_collection("docs").configuration  # Chroma rebuilds the embedding function from its config


def test_same_weights_through_another_backend_is_a_note_said_once(tmp_path, minilm):
    """A collection indexed through an int8 ONNX export of the same weights is searched with torch: fine, noted once."""
    from instructret.index import InstructIndex
    from instructret.model_match import BACKEND_KEY

    index = InstructIndex(encoder=minilm, collection="int8", path=tmp_path / "db")
    index.add(["a"], ["a terminal markdown viewer"])
    index.collection.modify(metadata={**index.collection.metadata, BACKEND_KEY: "onnx/int8"})
    notes = []
    for _ in range(2):
        match = check_collection_model(index.collection, minilm, on_note=notes.append)
        assert match.status == "backend"
    assert len(notes) == 1
    assert "same weights through the onnx/int8 backend" in notes[0] and "torch" in notes[0]
