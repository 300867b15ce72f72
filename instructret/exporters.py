"""Making the files a CPU backend loads: ONNX and OpenVINO exports of a model, and their int8 versions.

:mod:`instructret.backends` decides what to export where and when an export is stale; these functions do
the exporting, each into a staging folder first, so an interrupted export leaves nothing half-written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

#: Texts that calibrate OpenVINO's static int8 quantization.
CALIBRATION_SAMPLES = 300


def calibration_texts(limit: int = CALIBRATION_SAMPLES) -> list[str]:
    """Texts that calibrate static int8 quantization: the bundled demo documents and queries (offline, MIT)."""
    from instructret.demo import demo_path

    texts: list[str] = []
    for line in demo_path("general.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts.extend([row["query"], row["positive"]["text"]])
    for line in demo_path("corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts.append(f"{row.get('title', '')} {row['text']}".strip())
    return texts[:limit]



@contextmanager
def quiet() -> Iterator[None]:
    """Silence the exporters' own logging, warnings and progress bars for the duration."""
    # Exporters log per-tensor load reports, tracer warnings and "save your export" advice; the
    # project reports what it exported itself.
    import warnings

    from transformers.utils import logging as hf_logging

    names = ("sentence_transformers", "optimum", "nncf", "torch.onnx", "onnxscript")
    levels = {n: logging.getLogger(n).level for n in names}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # per-tensor "Loading weights" bars
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


def materialize(target: str, root: Path) -> None:
    """Save a model that has no writable directory of its own as a sentence-transformers directory."""
    from sentence_transformers import SentenceTransformer

    tmp = Path(tempfile.mkdtemp(prefix=".materialize-", dir=root.parent))
    try:
        with quiet():
            SentenceTransformer(target, device="cpu").save(str(tmp))
        os.replace(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export_onnx(root: Path, destination: Path) -> None:
    """Export the transformer of the model at ``root`` to ONNX (inputs as its tokenizer names them).

    optimum's ONNX exporter cannot trace transformers 5 encoders (its patched attention-mask function
    has the 4.x signature), so the graph is exported with ``torch.onnx`` (the torch.export-based exporter,
    dynamic batch and sequence axes) under the names optimum's ONNX Runtime models expect:
    ``input_ids``, ``attention_mask``, ``token_type_ids`` in, ``last_hidden_state`` out.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(root))
    model = AutoModel.from_pretrained(str(root)).eval()
    sample = tokenizer(["an example sentence", "a second, somewhat longer example sentence"], padding=True,
                       return_tensors="pt")
    names = list(sample.keys())

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    batch, seq = torch.export.Dim("batch_size"), torch.export.Dim("sequence_length")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with quiet(), torch.no_grad():
        torch.onnx.export(
            _LastHiddenState(model),
            tuple(sample[n] for n in names),
            str(destination),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamo=True,
            dynamic_shapes={"inputs": tuple({0: batch, 1: seq} for _ in names)},
            external_data=False,
            verbose=False,
        )


def quantize_onnx(root: Path, fp32_file: str, destination: Path, config: str) -> None:
    """Dynamically quantize the ONNX model ``fp32_file`` under ``root`` to int8 with ONNX Runtime ``config``."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    with quiet():
        model = SentenceTransformer(str(root), backend="onnx", device="cpu", model_kwargs={"file_name": fp32_file})
        staging = Path(tempfile.mkdtemp(prefix=".quantize-", dir=root))
        try:
            export_dynamic_quantized_onnx_model(model, config, str(staging))
            os.replace(staging / destination.relative_to(root), destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _move_openvino(saved: Path, destination: Path) -> None:
    """Move ``openvino_model.xml`` / ``.bin`` from a save directory to ``destination`` (.xml) and its .bin."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(saved.with_suffix(".bin"), destination.with_suffix(".bin"))
    os.replace(saved, destination)


def export_openvino(root: Path, destination: Path) -> None:
    """Export the model at ``root`` to OpenVINO IR at ``destination`` (.xml, with its .bin)."""
    from sentence_transformers import SentenceTransformer

    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=root))
    try:
        with quiet():
            model = SentenceTransformer(str(root), backend="openvino", device="cpu", model_kwargs={"export": True})
            model.transformers_model.save_pretrained(str(staging))  # writes staging/openvino/openvino_model.*
        _move_openvino(staging / "openvino" / "openvino_model.xml", destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def quantize_openvino(root: Path, fp32_file: str, destination: Path, texts: Sequence[str]) -> None:
    """Statically quantize the OpenVINO model ``fp32_file`` to int8 with NNCF, calibrated on ``texts``."""
    import datasets
    from optimum.intel import OVConfig, OVQuantizationConfig, OVQuantizer
    from sentence_transformers import SentenceTransformer

    staging = Path(tempfile.mkdtemp(prefix=".quantize-", dir=root))
    try:
        with quiet():
            model = SentenceTransformer(str(root), backend="openvino", device="cpu",
                                        model_kwargs={"file_name": fp32_file})
            encoded = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)
            calibration = datasets.Dataset.from_dict(dict(encoded))
            quantizer = OVQuantizer.from_pretrained(model.transformers_model)
            config = OVConfig(quantization_config=OVQuantizationConfig(num_samples=len(texts)))
            quantizer.quantize(calibration_dataset=calibration, save_directory=str(staging), ov_config=config)
        saved = next(staging.rglob("openvino_model.xml"))
        _move_openvino(saved, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
