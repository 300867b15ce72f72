"""CPU inference backends: ONNX Runtime and OpenVINO exports of a sentence-transformers model, fp32 or int8.

sentence-transformers runs a model with ``backend="onnx"`` or ``backend="openvino"`` from files saved inside
the model directory (``onnx/model.onnx``, ``onnx/model_qint8_avx512_vnni.onnx``, ``openvino/openvino_model.xml``
...). This module makes those files once and finds them again:

- a model in a writable directory of its own (a trained model) gets its exports saved next to its torch
  weights, so the directory ships with them;
- a model that is not (the packaged ``minilm`` alias inside site-packages, a hub id) is first saved as a
  sentence-transformers directory under the user cache (``$INSTRUCTRET_HOME/exports``, default
  ``~/.cache/instructret/exports``), and exported there.

Each export folder holds ``instructret-export.json``, which records the torch weights (name, size,
modification time) every file was made from: retraining a model in place makes its old exports stale, and
they are made again instead of being loaded.

int8 means, for ONNX, dynamic quantization (weights int8, activations quantized on the fly, no calibration),
with the ONNX Runtime config that fits this CPU (:func:`onnx_int8_config`); for OpenVINO, static
post-training quantization by NNCF, calibrated on the bundled demo texts
(:func:`instructret.exporters.calibration_texts`). The exporting itself is in :mod:`instructret.exporters`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from instructret.errors import InstructretError
from instructret.exporters import (
    calibration_texts,
    export_onnx,
    export_openvino,
    materialize,
    quantize_onnx,
    quantize_openvino,
    quiet,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

Backend = Literal["torch", "onnx", "openvino"]
Quantization = Literal["int8"]

#: Every backend name, in the order the CLI lists them.
BACKENDS: tuple[str, ...] = get_args(Backend)
#: Every quantization name (None means the exported model's own fp32 weights).
QUANTIZATIONS: tuple[str, ...] = get_args(Quantization)

MANIFEST = "instructret-export.json"
#: Bump when the way exports are made changes, so old exports are made again.
EXPORT_VERSION = 1
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
#: Calibration samples for OpenVINO's static int8 quantization (NNCF's default is 300).


class BackendUnavailableError(InstructretError):
    """A backend's packages are not installed; the message says what to install."""


@dataclass(frozen=True)
class BackendSpec:
    """What a non-torch backend needs and where sentence-transformers looks for its files.

    Attributes:
        name: ``"onnx"`` or ``"openvino"``, as sentence-transformers spells it.
        modules: Modules that must import for the backend to load a model.
        extra: The instructret extra that installs them.
        subfolder: Folder inside the model directory that holds the exported files.
        fp32_file: File name of the plain export inside ``subfolder``.
    """

    name: str
    modules: tuple[str, ...]
    extra: str
    subfolder: str
    fp32_file: str

    def file_name(self, quantize: str | None) -> str:
        """The file, relative to the model directory, that holds this backend's model."""
        if quantize is None:
            return f"{self.subfolder}/{self.fp32_file}"
        if self.name == "onnx":
            return f"{self.subfolder}/model_qint8_{onnx_int8_config()}.onnx"
        return f"{self.subfolder}/openvino_model_qint8_quantized.xml"

    def install_hint(self) -> str:
        """The command that installs what this backend needs."""
        return f'pip install "instructret[{self.extra}]"'


SPECS: dict[str, BackendSpec] = {
    "onnx": BackendSpec("onnx", ("onnxruntime", "optimum.onnxruntime"), "onnx", "onnx", "model.onnx"),
    "openvino": BackendSpec(
        "openvino", ("openvino", "optimum.intel.openvino"), "openvino", "openvino", "openvino_model.xml"
    ),
}


def check_backend(backend: str, quantize: str | None = None) -> BackendSpec | None:
    """Validate a backend / quantization pair and that its packages import.

    Returns:
        The backend's spec, or None for ``"torch"``.

    Raises:
        InstructretError: An unknown name, or int8 asked of the torch backend.
        BackendUnavailableError: A needed package is missing; the message has the install command.
    """
    if backend not in BACKENDS:
        raise InstructretError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise InstructretError(f"unknown quantization {quantize!r}: choose one of {', '.join(QUANTIZATIONS)}")
    if backend == "torch":
        if quantize is not None:
            raise InstructretError(f"quantization {quantize!r} needs the onnx or openvino backend, not torch")
        return None
    spec = SPECS[backend]
    for module in spec.modules:
        try:
            import_module(module)
        except ImportError as exc:
            raise BackendUnavailableError(
                f"the {backend} backend needs packages that are not installed ({exc}); "
                f"install them with: {spec.install_hint()}"
            ) from exc
    return spec


def onnx_int8_config() -> str:
    """The ONNX Runtime dynamic-quantization config for this CPU.

    ``avx512_vnni`` (int8 dot-product instructions) where the CPU has them, else ``avx512``, ``avx2``, or
    ``arm64`` on ARM. The name is part of the exported file name, as sentence-transformers writes it.
    """
    machine = platform.machine().lower()
    if machine in {"arm64", "aarch64"}:
        return "arm64"
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:  # not Linux: assume a current x86-64 CPU
        return "avx2"
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if {"avx512f", "avx512bw"} <= flags:
        return "avx512"
    return "avx2"


def exports_home() -> Path:
    """Where exports of models without a writable directory of their own are kept."""
    base = os.environ.get("INSTRUCTRET_HOME") or str(Path.home() / ".cache" / "instructret")
    return Path(base).expanduser() / "exports"


def weights_signature(model_dir: Path) -> list[list[object]]:
    """Name, size and modification time of the torch weight files in a model directory.

    Cheap to compute (no hashing) and changed by any rewrite of the weights, e.g. training into the same
    directory again.
    """
    files = sorted({p for pattern in _WEIGHT_PATTERNS for p in model_dir.glob(pattern)})
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def _in_site_packages(path: Path) -> bool:
    roots = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    return any(path.is_relative_to(Path(root).resolve()) for root in roots) or "site-packages" in path.parts


def owns_exports(model_dir: Path | None) -> bool:
    """Whether exports are saved inside the model's own directory (a local, writable, non-package dir)."""
    return (
        model_dir is not None
        and model_dir.is_dir()
        and os.access(model_dir, os.W_OK)
        and not _in_site_packages(model_dir.resolve())
    )


def export_root(name: str, model_dir: Path | None) -> Path:
    """The sentence-transformers directory that holds (or will hold) the exports of a model.

    Args:
        name: The model name as given (alias, path or hub id).
        model_dir: Its local directory, or None for a hub id.
    """
    if owns_exports(model_dir):
        return model_dir  # type: ignore[return-value]  # owns_exports checked it is not None
    source = str(model_dir.resolve()) if model_dir is not None else name
    signature = weights_signature(model_dir) if model_dir is not None else []
    key = hashlib.blake2b(json.dumps([source, signature]).encode(), digest_size=6).hexdigest()
    # Named after the directory (or hub id), so an alias and the path it stands for share one folder.
    readable = model_dir.resolve().name if model_dir is not None else name
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in readable)
    return exports_home() / f"{slug}-{key}"


class _Manifest:
    """``instructret-export.json`` of one export folder: which weights each exported file was made from."""

    def __init__(self, folder: Path):
        self.path = folder / MANIFEST
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text()).get("files", {})
        except (OSError, ValueError):
            self.entries = {}

    def is_current(self, file_name: str, root: Path) -> bool:
        entry = self.entries.get(file_name)
        return (
            entry is not None
            and (root / file_name).is_file()
            and entry.get("weights") == weights_signature(root)
            and entry.get("version") == EXPORT_VERSION
        )

    def record(self, file_name: str, root: Path, **details: object) -> None:
        self.entries[file_name] = {"weights": weights_signature(root), "version": EXPORT_VERSION, **details}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"files": self.entries}, indent=2) + "\n")
        os.replace(tmp, self.path)


def ensure_export(
    name: str,
    target: str,
    model_dir: Path | None,
    backend: str,
    quantize: str | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[Path, str]:
    """Make sure the export a backend needs exists and is current; make it if not.

    Args:
        name: The model name as given (for messages and the cache folder name).
        target: What ``SentenceTransformer`` loads the torch model from (a directory or a hub id).
        model_dir: The model's local directory, or None for a hub id.
        backend: ``"onnx"`` or ``"openvino"``.
        quantize: None or ``"int8"``.
        log: Called with a one-line note for every file it makes.

    Returns:
        The sentence-transformers directory to load from and the file inside it, e.g.
        ``(Path("my-model"), "onnx/model_qint8_avx512_vnni.onnx")``.
    """
    spec = check_backend(backend, quantize)
    assert spec is not None, "ensure_export is only for the onnx and openvino backends"
    say = log or logger.info
    root = export_root(name, model_dir)
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        say(f"saving {name} to {root} (its own directory is not writable) to export it there")
        materialize(target, root)
    manifest = _Manifest(root / spec.subfolder)
    fp32 = spec.file_name(None)
    if not manifest.is_current(fp32, root):
        say(f"exporting {name} to {backend}: {root / fp32}")
        (export_onnx if backend == "onnx" else export_openvino)(root, root / fp32)
        manifest.record(fp32, root)
    file_name = spec.file_name(quantize)
    if quantize is not None and not manifest.is_current(file_name, root):
        say(f"quantizing {name} to int8 for {backend}: {root / file_name}")
        if backend == "onnx":
            quantize_onnx(root, fp32, root / file_name, onnx_int8_config())
            manifest.record(file_name, root, method="dynamic", config=onnx_int8_config())
        else:
            texts = calibration_texts()
            quantize_openvino(root, fp32, root / file_name, texts)
            manifest.record(file_name, root, method="static (NNCF)", calibration="bundled demo texts",
                            samples=len(texts))
    return root, file_name


def load_backend_model(root: Path, file_name: str, backend: str) -> SentenceTransformer:
    """Load an exported model with sentence-transformers' ``backend=`` (on the CPU)."""
    from sentence_transformers import SentenceTransformer

    with quiet():
        return SentenceTransformer(str(root), backend=backend, device="cpu", model_kwargs={"file_name": file_name})


def file_digest(path: Path) -> str:
    """A content hash of an exported model file (and the .bin weights of an OpenVINO .xml)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (path, path.with_suffix(".bin")) if path.suffix == ".xml" else (path,):
        with part.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
