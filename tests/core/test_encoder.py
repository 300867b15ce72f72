import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from instructret.encoder import InstructEncoder, pick_device, resolve_model_path
from instructret.errors import ModelNotFoundError
from instructret.formatting import save_template


def test_encode_shapes_norms_dtype(minilm):
    q = minilm.encode_queries(["a", "b", "c"], "only command-line tools")
    d = minilm.encode_documents(["x", "y"])
    assert q.shape == (3, 384) and d.shape == (2, 384)
    assert q.dtype == np.float32 and d.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-5)
    assert minilm.similarity(q, d).shape == (3, 2)
    assert minilm.dimension == 384


def test_queries_go_through_template(minilm):
    raw = minilm.model.encode(["chess engine UCI only"], normalize_embeddings=True)
    ours = minilm.encode_queries("chess engine", "UCI only")
    np.testing.assert_allclose(ours, raw, atol=1e-5)
    # an empty instruction is the plain query, and documents never see an instruction
    np.testing.assert_allclose(minilm.encode_queries("chess", ""), minilm.encode_documents("chess"), atol=1e-6)


def test_instruction_reorders_near_duplicates(minilm):
    docs = [
        "mdview: a graphical desktop application to view Markdown files with a preview window",
        "mdview-cli: a command-line program to view Markdown files in the terminal",
    ]
    d = minilm.encode_documents(docs)
    plain = minilm.similarity(minilm.encode_queries("markdown viewer"), d)[0]
    cli = minilm.similarity(minilm.encode_queries("markdown viewer", "command-line terminal program"), d)[0]
    gui = minilm.similarity(minilm.encode_queries("markdown viewer", "graphical desktop application"), d)[0]
    assert cli[1] > cli[0]
    assert gui[0] > gui[1]
    # the instruction moves the margin in its direction relative to the plain query
    assert (cli[1] - cli[0]) > (plain[1] - plain[0]) > (gui[1] - gui[0])


def test_loads_local_dir_with_saved_template(tmp_path, minilm):
    target = tmp_path / "model"
    minilm.model.save(str(target))
    save_template(target, "query: {query} need: {instruction}")
    enc = InstructEncoder(str(target), device="cpu")
    assert enc.template.template == "query: {query} need: {instruction}"
    assert enc.format_queries(["q"], "i") == ["query: q need: i"]
    assert resolve_model_path(str(target))[1] == target.resolve()
    # an explicit template still wins
    assert InstructEncoder(str(target), device="cpu", template="{instruction} {query}").template.template == (
        "{instruction} {query}"
    )
    # and the directory is a plain sentence-transformers model
    assert SentenceTransformer(str(target), device="cpu").encode(["x"]).shape == (1, 384)


def test_missing_model_names_what_was_tried(tmp_path):
    with pytest.raises(ModelNotFoundError) as e:
        InstructEncoder("no-such-org/no-such-model-xyz", device="cpu")
    msg = str(e.value)
    assert "model 'no-such-org/no-such-model-xyz' not found" in msg
    assert "local path" in msg and "hub id 'no-such-org/no-such-model-xyz'" in msg
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelNotFoundError, match="local directory"):
        InstructEncoder(str(empty), device="cpu")


def test_device_selection():
    assert pick_device("cpu") == "cpu"
    assert pick_device() in {"cuda", "mps", "cpu"}


def test_empty_batches(minilm):
    assert minilm.encode_documents([]).shape == (0, 384)
    assert minilm.encode_queries([], "x").shape == (0, 384)
