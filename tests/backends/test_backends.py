"""ONNX and OpenVINO backends: agreement with torch, where exports are saved, reloads, staleness, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from backend_helpers import backend_or_skip

from instructret.backends import MANIFEST, BackendUnavailableError, check_backend, onnx_int8_config
from instructret.demo import demo_path
from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError
from instructret.evaluation.cache import model_fingerprint

DOCS = [
    f"{row['title']} {row['text']}"
    for row in map(json.loads, demo_path("corpus.jsonl").read_text().splitlines())
]
QUERIES = ["markdown viewer", "chess engine", "sync files between machines", "edit audio tags"]
INSTRUCTIONS = ["Only command-line programs are relevant; graphical applications are not.", None,
                "I want a graphical desktop application.", "Libraries are not relevant."]

#: name -> (backend, quantize, minimum cosine to torch fp32 for any text)
VARIANTS = {
    "onnx": ("onnx", None, 0.999),
    "onnx-int8": ("onnx", "int8", 0.95),
    "openvino": ("openvino", None, 0.999),
    "openvino-int8": ("openvino", "int8", 0.95),
}


@pytest.fixture(scope="module")
def torch_encoder(model_dir):
    return InstructEncoder(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def reference(torch_encoder):
    return torch_encoder.encode_documents(DOCS), torch_encoder.encode_queries(QUERIES, INSTRUCTIONS)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_backend_agrees_with_torch(variant, model_dir, reference):
    backend, quantize, min_cos = VARIANTS[variant]
    backend_or_skip(backend)
    enc = InstructEncoder(str(model_dir), backend=backend, quantize=quantize)
    docs, queries = enc.encode_documents(DOCS), enc.encode_queries(QUERIES, INSTRUCTIONS)
    assert docs.dtype == np.float32 and docs.shape == reference[0].shape
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    cos_docs = np.sum(docs * reference[0], axis=1)
    cos_queries = np.sum(queries * reference[1], axis=1)
    assert cos_docs.min() >= min_cos and cos_queries.min() >= min_cos, (cos_docs.min(), cos_queries.min())
    if quantize is None:
        assert cos_docs.min() >= 0.99  # the acceptance bar for fp32 exports
    else:
        assert cos_docs.mean() >= 0.98
        # int8 is not fp32 in disguise: the vectors do move
        assert cos_docs.min() < 0.9999
    # the instruction still reaches the model through the model's template
    assert enc.format_queries(["q"], "i") == ["q i"]
    # saved next to the model's own weights, where sentence-transformers looks for it
    expected = {"onnx": f"onnx/model_qint8_{onnx_int8_config()}.onnx" if quantize else "onnx/model.onnx",
                "openvino": "openvino/openvino_model_qint8_quantized.xml" if quantize
                else "openvino/openvino_model.xml"}[backend]
    assert enc.backend_file == model_dir / expected and enc.backend_file.is_file()
    manifest = json.loads((enc.backend_file.parent / MANIFEST).read_text())
    assert expected in manifest["files"]


def test_packaged_alias_exports_to_user_cache(export_home):
    backend_or_skip("onnx")
    enc = InstructEncoder("minilm", backend="onnx")
    assert enc.backend_file.is_relative_to(export_home / "exports")
    assert not (enc.model_path / "onnx").exists()  # nothing written into site-packages
    assert enc.model_path.name == "model" and "site-packages" in enc.model_path.parts


def test_export_reloads_offline_without_exporting_again(model_dir, tmp_path):
    backend_or_skip("onnx")
    enc = InstructEncoder(str(model_dir), backend="onnx", quantize="int8")
    files = {p: p.stat().st_mtime_ns for p in (model_dir / "onnx").iterdir()}
    script = textwrap.dedent(f"""
        import json, sys
        from instructret.encoder import InstructEncoder
        enc = InstructEncoder({str(model_dir)!r}, backend="onnx", quantize="int8")
        print(json.dumps({{"file": str(enc.backend_file),
                          "vec": enc.encode_queries(["markdown viewer"], "terminal only")[0].tolist()}}))
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["file"] == str(enc.backend_file)
    np.testing.assert_allclose(got["vec"], enc.encode_queries(["markdown viewer"], "terminal only")[0], atol=1e-6)
    assert {p: p.stat().st_mtime_ns for p in (model_dir / "onnx").iterdir()} == files  # read, not re-made


@pytest.mark.slow
def test_retrained_weights_make_exports_stale(model_dir, tmp_path):
    backend_or_skip("onnx")
    import shutil

    own = tmp_path / "model"
    shutil.copytree(model_dir, own, ignore=shutil.ignore_patterns("onnx", "openvino"))
    first = InstructEncoder(str(own), backend="onnx")
    made = first.backend_file.stat().st_mtime_ns
    weights = own / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # "trained again"
    again = InstructEncoder(str(own), backend="onnx")
    assert again.backend_file == first.backend_file and again.backend_file.stat().st_mtime_ns != made


def test_cache_keys_tell_backends_apart(torch_encoder, model_dir):
    backend_or_skip("onnx")
    fp32 = InstructEncoder(str(model_dir), backend="onnx")
    int8 = InstructEncoder(str(model_dir), backend="onnx", quantize="int8")
    keys = {model_fingerprint(torch_encoder), model_fingerprint(fp32), model_fingerprint(int8)}
    assert len(keys) == 3
    assert torch_encoder.backend_id == "" and fp32.backend_id.startswith("onnx|None|")


def test_bad_combinations_are_user_errors():
    with pytest.raises(InstructretError, match="needs the onnx or openvino backend"):
        check_backend("torch", "int8")
    with pytest.raises(InstructretError, match="unknown backend 'tensorrt'"):
        check_backend("tensorrt")
    with pytest.raises(InstructretError, match="unknown quantization 'int4'"):
        check_backend("onnx", "int4")
    backend_or_skip("onnx")
    with pytest.raises(InstructretError, match="runs on the CPU"):
        InstructEncoder("minilm", backend="onnx", device="cuda")


@pytest.mark.parametrize("backend, hidden", [("onnx", ["optimum.onnxruntime"]),
                                             ("openvino", ["openvino", "optimum.intel", "optimum.intel.openvino"])])
def test_missing_backend_is_an_install_hint(backend, hidden, monkeypatch):
    for name in hidden:  # what an environment without the packages sees: the import fails
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(BackendUnavailableError, match=rf'pip install "instructret\[{backend}\]"'):
        check_backend(backend)


@pytest.mark.parametrize("command", ["index", "search", "bench"])
def test_cli_missing_backend_is_one_line_with_install_hint(command, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    import chromadb

    chromadb.PersistentClient(path=str(tmp_path / "db")).create_collection("instructret")  # search only reads
    args = {"index": ["index", str(corpus), "--db", str(tmp_path / "db")],
            "search": ["search", "x", "--db", str(tmp_path / "db")],
            "bench": ["bench", "followir", "-d", str(demo_path("followir")), "--out", str(tmp_path / "out")]}[command]
    script = ("import sys; sys.modules['openvino'] = sys.modules['optimum.intel'] = None; "
              "from instructret.cli.app import main; sys.argv = ['instructret'] + sys.argv[1:]; main()")
    out = subprocess.run([sys.executable, "-c", script, *args, "--backend", "openvino"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    err = " ".join(out.stderr.split())
    assert err.startswith("error: the openvino backend needs packages that are not installed")
    assert 'pip install "instructret[openvino]"' in err and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 3  # one message (wrapped at most by the terminal width)
