"""The backend choice reaches the encoder through the index, Chroma's persisted config and both integrations."""

from __future__ import annotations

import chromadb
import numpy as np
import pytest
from backend_helpers import backend_or_skip

from instructret.index import InstructEmbeddingFunction, InstructIndex


@pytest.fixture(scope="module")
def onnx_model(model_dir):
    backend_or_skip("onnx")
    return str(model_dir)


def test_index_and_chroma_config_keep_the_backend(onnx_model, tmp_path, minilm):
    index = InstructIndex(model=onnx_model, backend="onnx", quantize="int8", collection="backend-test",
                          path=tmp_path / "db")
    assert (index.encoder.backend, index.encoder.quantize) == ("onnx", "int8")
    index.add(["cli", "gui"], ["mdcat: render Markdown in the terminal", "Quillpad: graphical Markdown editor"])
    assert index.search("markdown viewer", instruction="terminal programs only", k=1)[0].id == "cli"
    # a new client rebuilds the embedding function from the persisted config: same backend, same encoder
    col = chromadb.PersistentClient(path=str(tmp_path / "db")).get_collection("backend-test")
    ef = col.configuration["embedding_function"]
    assert isinstance(ef, InstructEmbeddingFunction)
    assert ef.get_config()["backend"] == "onnx" and ef.get_config()["quantize"] == "int8"
    assert ef.encoder is index.encoder  # found in the process cache, not loaded (or exported) again
    # every collection persists the whole encoder spec; configs written before it (no backend key) read as torch
    assert InstructEmbeddingFunction(encoder=minilm).get_config()["backend"] == "torch"
    assert InstructEmbeddingFunction.build_from_config({"model": "minilm"}).spec.backend == "torch"


def test_langchain_embeddings_pass_the_backend(onnx_model, minilm):
    pytest.importorskip("langchain_core")
    from instructret.integrations.langchain import InstructEmbeddings

    emb = InstructEmbeddings(model=onnx_model, backend="onnx", instruction="Only command-line programs.")
    assert emb.encoder.backend == "onnx"
    ref = minilm.encode_queries(["markdown viewer"], "Only command-line programs.")[0]
    assert float(np.dot(emb.embed_query("markdown viewer"), ref)) > 0.999


def test_llama_index_embedding_passes_the_backend(onnx_model, minilm):
    pytest.importorskip("llama_index.core")
    from instructret.integrations.llama_index import InstructEmbedding

    emb = InstructEmbedding(model_name=onnx_model, backend="onnx", quantize="int8")
    assert (emb.encoder.backend, emb.encoder.quantize) == ("onnx", "int8")
    ref = minilm.encode_documents(["mdcat: render Markdown in the terminal"])[0]
    assert float(np.dot(emb.get_text_embedding("mdcat: render Markdown in the terminal"), ref)) > 0.95


def test_bench_followir_runs_on_the_backend(onnx_model, tmp_path):
    import json

    from typer.testing import CliRunner

    from instructret.cli.app import app
    from instructret.demo import followir_dir

    out = {}
    for backend in ("torch", "onnx"):
        r = CliRunner().invoke(app, ["bench", "followir", "--model", onnx_model, "-d", str(followir_dir()), "-q",
                                     "--out", str(tmp_path / backend), "--backend", backend])
        assert r.exit_code == 0, r.output
        out[backend] = json.loads((tmp_path / backend / "results.json").read_text())
    assert out["onnx"]["backend"] == "onnx" and out["torch"]["backend"] == "torch"
    assert out["onnx"]["model_fingerprint"] != out["torch"]["model_fingerprint"]
    for metric, value in out["torch"]["mean"].items():  # an fp32 export scores what torch scores
        assert out["onnx"]["mean"][metric] == pytest.approx(value, abs=0.005), metric
