"""Is this the model a collection was indexed with? One check for every place that searches a collection.

A collection's vectors only make sense for queries embedded by the same model. Searching them with
another model returns results, ranked by numbers that mean nothing. So when a model writes to a
collection, :func:`record_collection_model` stores in the collection's metadata:

* ``instructret_weights``: a content hash of the model's weight files (:func:`weights_fingerprint`), the
  same for the same weights whatever their path, alias or backend;
* ``instructret_model``: the model as loaded (alias resolved to a path) and ``instructret_dim``;
* ``instructret_backend``: ``torch``, or e.g. ``onnx/int8``.

:func:`check_collection_model` compares a collection's record (or, for collections indexed before the
record existed, the model named in its embedding function config) with an encoder, and raises
:class:`ModelMismatchError` naming both models unless ``allow_mismatch`` is set. The same weights run
through another backend or an int8 export are not a mismatch (their vectors differ only slightly), but it
says so, once per process and collection. A collection with no record of any model (made by other tools)
passes.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instructret.errors import InstructretError

__all__ = [
    "BACKEND_KEY",
    "DIM_KEY",
    "MODEL_KEY",
    "WEIGHTS_KEY",
    "ModelMatch",
    "ModelMatchWarning",
    "ModelMismatchError",
    "check_collection_model",
    "encoder_record",
    "record_collection_model",
    "weights_fingerprint",
]

WEIGHTS_KEY = "instructret_weights"
MODEL_KEY = "instructret_model"
BACKEND_KEY = "instructret_backend"
DIM_KEY = "instructret_dim"

_WEIGHT_GLOBS = ("*.safetensors", "pytorch_model*.bin")
_SKIP_DIRS = {"onnx", "openvino"}
_FINGERPRINTS: dict[tuple, str | None] = {}
_NOTED: set[tuple] = set()
_LOCK = threading.Lock()


class ModelMismatchError(InstructretError):
    """A collection was indexed with another model than the one given to search it.

    Not a ``ValueError``, so pydantic models (the LangChain retriever) pass it on unchanged; Chroma reports
    one raised by ``build_from_config`` as a ``ValueError`` that quotes it.
    """


class ModelMatchWarning(UserWarning):
    """A note about the model of a collection, e.g. the same weights through another backend."""


@dataclass(frozen=True)
class ModelMatch:
    """The outcome of :func:`check_collection_model`.

    Attributes:
        status: ``"same"`` (same weights, or same model when no hash is recorded), ``"backend"`` (same
            weights, another backend or quantization), ``"mismatch"`` (only returned when allowed) or
            ``"unknown"`` (the collection records no model).
        recorded: How the collection names its model (None when unknown).
        given: How the encoder names its model.
        note: The sentence said about it, if any.
    """

    status: str
    recorded: str | None
    given: str
    note: str | None = None


def _resolve(name: str) -> tuple[str, Path | None]:
    """An alias or path as a loadable string and its local directory (no model is loaded)."""
    try:
        from instructret.model_loading import resolve_model_path  # type: ignore[attr-defined]
    except ImportError:
        from instructret.encoder import resolve_model_path  # type: ignore[attr-defined,no-redef]
    try:
        return resolve_model_path(name)
    except InstructretError:
        return name, None


def _hub_snapshot(name: str) -> Path | None:
    """The local snapshot directory of a hub model that was loaded from the Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(name, "modules.json")
    except Exception:  # not a repo id, no cache, no huggingface_hub: no fingerprint, not an error
        return None
    return Path(found).parent if isinstance(found, str) else None


def _weight_files(model_dir: Path) -> list[Path]:
    """The torch weight files of a sentence-transformers directory (safetensors preferred per folder)."""
    files: list[Path] = []
    folders = [model_dir] + sorted(
        p for p in model_dir.iterdir() if p.is_dir() and p.name not in _SKIP_DIRS and not p.name.startswith(".")
    )
    for folder in folders:
        for pattern in _WEIGHT_GLOBS:  # a folder's safetensors if it has any, else its .bin files
            found = sorted(folder.glob(pattern))
            if found:
                files.extend(found)
                break
    return files


def _dir_fingerprint(model_dir: Path) -> str | None:
    files = _weight_files(model_dir)
    if not files:
        return None
    key = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    with _LOCK:
        if key in _FINGERPRINTS:
            return _FINGERPRINTS[key]
    digest = hashlib.blake2b(digest_size=16)
    for p in files:
        digest.update(p.relative_to(model_dir).as_posix().encode() + b"\0")
        with p.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    value = digest.hexdigest()
    with _LOCK:
        _FINGERPRINTS[key] = value
    return value


def model_dir_of(encoder_or_name: Any) -> Path | None:
    """The local directory an encoder (or a model name) loads its weights from, if there is one."""
    if isinstance(encoder_or_name, str | Path):
        name = str(encoder_or_name)
        local = _resolve(name)[1]
    else:
        local = getattr(encoder_or_name, "model_path", None)
        name = str(getattr(encoder_or_name, "model_name", "") or "")
    if local is not None and Path(local).is_dir():
        return Path(local)
    return _hub_snapshot(name) if name else None


def weights_fingerprint(encoder_or_name: Any) -> str | None:
    """A content hash of a model's weight files; the same for the same weights under any path or backend.

    Args:
        encoder_or_name: An :class:`~instructret.encoder.InstructEncoder`, or a model name or directory.

    Returns:
        A hex digest, or None when the weights are not in local files (an in-memory model).
    """
    model_dir = model_dir_of(encoder_or_name)
    if model_dir is None:
        return None
    try:
        return _dir_fingerprint(model_dir)
    except OSError:
        return None


def _model_ref(encoder: Any) -> str:
    path = getattr(encoder, "model_path", None)
    return str(path) if path else str(getattr(encoder, "model_name", "") or "unknown")


def _backend_of(encoder: Any) -> str:
    backend = str(getattr(encoder, "backend", None) or "torch")
    quantize = getattr(encoder, "quantize", None)
    return f"{backend}/{quantize}" if quantize else backend


def encoder_record(encoder: Any) -> dict[str, Any]:
    """The collection metadata that records ``encoder`` as a collection's model."""
    record: dict[str, Any] = {MODEL_KEY: _model_ref(encoder), BACKEND_KEY: _backend_of(encoder)}
    fingerprint = weights_fingerprint(encoder)
    if fingerprint:
        record[WEIGHTS_KEY] = fingerprint
    try:
        record[DIM_KEY] = int(encoder.dimension)
    except Exception:  # an encoder without a dimension (a stand-in): nothing to record
        pass
    return record


def _ef_config(collection: Any) -> dict[str, Any] | None:
    """The persisted config of a collection's instructret embedding function, read without rebuilding it."""
    raw = getattr(collection, "configuration_json", None)
    if not isinstance(raw, Mapping):
        return None
    ef = raw.get("embedding_function")
    if isinstance(ef, Mapping) and ef.get("name") == "instructret" and isinstance(ef.get("config"), Mapping):
        return dict(ef["config"])
    return None


def _recorded(source: Any) -> dict[str, Any]:
    """What a collection (or an embedding-function config mapping) says about its model."""
    if isinstance(source, Mapping):  # an embedding function config
        return {MODEL_KEY: source.get("model"), WEIGHTS_KEY: source.get("weights"),
                BACKEND_KEY: None, DIM_KEY: None}
    meta = dict(getattr(source, "metadata", None) or {})
    rec = {k: meta.get(k) for k in (MODEL_KEY, WEIGHTS_KEY, BACKEND_KEY, DIM_KEY)}
    config = _ef_config(source)
    if rec[MODEL_KEY] is None and config is not None:
        backend = config.get("backend") or "torch"
        rec[MODEL_KEY] = config.get("model")
        rec[WEIGHTS_KEY] = config.get("weights")
        rec[BACKEND_KEY] = f"{backend}/{config['quantize']}" if config.get("quantize") else backend
    return rec


def record_collection_model(collection: Any, encoder: Any) -> None:
    """Record ``encoder`` as the model of ``collection`` (in its metadata), unless one is recorded already.

    Called before the first vectors are written, so a later search can tell whether it uses the same model.
    """
    meta = dict(getattr(collection, "metadata", None) or {})
    if meta.get(MODEL_KEY) and collection.count() > 0:
        return  # an emptied collection takes the record of the model that fills it again
    record = encoder_record(encoder)
    if all(meta.get(k) == v for k, v in record.items()):
        return
    # Chroma keeps collection-level settings (hnsw:*) in the same mapping; keep what is there.
    collection.modify(metadata={**meta, **record})


def _same_ref(recorded: str, given: str) -> bool:
    if recorded == given:
        return True
    return _resolve(recorded)[0] == _resolve(given)[0]


def _short(fingerprint: str | None) -> str:
    return f"weights {fingerprint[:12]}" if fingerprint else "weights not hashed"


def _emit(key: tuple, note: str, on_note: Callable[[str], None] | None) -> None:
    with _LOCK:
        if key in _NOTED:
            return
        _NOTED.add(key)
    if on_note is not None:
        on_note(note)
    else:
        warnings.warn(note, ModelMatchWarning, stacklevel=3)


def check_collection_model(
    collection: Any,
    encoder: Any,
    allow_mismatch: bool = False,
    on_note: Callable[[str], None] | None = None,
) -> ModelMatch:
    """Check that ``encoder`` is the model ``collection`` was indexed with.

    The recorded weights hash decides when both sides have one; otherwise the model names (aliases and
    paths resolved) decide, and a recorded local directory that still exists is hashed and compared. A
    different embedding dimension is always a mismatch.

    Args:
        collection: A Chroma collection, or the config mapping of an ``InstructEmbeddingFunction``
            (``{"model": ..., "weights"?: ...}``).
        encoder: The :class:`~instructret.encoder.InstructEncoder` that will embed the queries.
        allow_mismatch: Only note a mismatch (once) instead of raising.
        on_note: Where notes go (once per process and collection); default: a :class:`ModelMatchWarning`.

    Returns:
        The :class:`ModelMatch`.

    Raises:
        ModelMismatchError: The models differ and ``allow_mismatch`` is False; the message names both.
    """
    rec = _recorded(collection)
    given = _model_ref(encoder)
    recorded_model = rec.get(MODEL_KEY)
    if not recorded_model:
        return ModelMatch("unknown", None, given)
    recorded_model = str(recorded_model)
    recorded_fp = rec.get(WEIGHTS_KEY) or None
    given_fp = weights_fingerprint(encoder)
    name = getattr(collection, "name", None)
    where = f"collection {name!r}" if name else "this embedding function's collection"

    dim = rec.get(DIM_KEY)
    try:
        given_dim = int(encoder.dimension)
    except Exception:  # a stand-in encoder without a dimension
        given_dim = None
    if recorded_fp and given_fp:
        same = recorded_fp == given_fp
    elif _same_ref(recorded_model, given):
        same = True
    else:
        other_fp = recorded_fp or weights_fingerprint(recorded_model)
        same = bool(other_fp and given_fp and other_fp == given_fp)
    if dim is not None and given_dim is not None and int(dim) != given_dim:
        same = False

    if not same:
        msg = (f"{where} was indexed with model {recorded_model} ({_short(recorded_fp)}"
               + (f", {dim}-d" if dim else "") + f"), but the model given is {given} ({_short(given_fp)}"
               + (f", {given_dim}-d" if given_dim else "") + "): its query vectors would not match the stored "
               "ones. Use the same model (-m), or allow it with --allow-model-mismatch")
        if not allow_mismatch:
            raise ModelMismatchError(msg)
        note = "model mismatch allowed: " + msg.split(": its query vectors")[0]
        _emit(("mismatch", name, recorded_model, given), note, on_note)
        return ModelMatch("mismatch", recorded_model, given, note)

    recorded_backend = rec.get(BACKEND_KEY)
    given_backend = _backend_of(encoder)
    if recorded_backend and recorded_backend != given_backend:
        note = (f"{where} was indexed with the same weights through the {recorded_backend} backend and is "
                f"searched through {given_backend}: not a mismatch, but scores may differ slightly")
        _emit(("backend", name, recorded_backend, given_backend), note, on_note)
        return ModelMatch("backend", recorded_model, given, note)
    return ModelMatch("same", recorded_model, given)
