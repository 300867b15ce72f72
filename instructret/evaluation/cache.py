"""An embedding cache for documents, keyed by model identity and document text.

Reranking encodes every candidate document once; the og and changed passes and every query that shares
a candidate reuse it. With a directory, the cache persists: each batch of new embeddings is written as
one shard file (temporary file, then atomic rename), so an interrupted run keeps what it finished and a
rerun of the same model skips corpus encoding.

Layout: ``<directory>/<model key>/shard-*.npz`` (``keys``: text hashes, ``vectors``: float32 rows) and
``model.json`` describing the model the key stands for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from instructret.progress import progress_bar

if TYPE_CHECKING:
    from instructret.encoder import InstructEncoder

logger = logging.getLogger(__name__)

#: Merge shards into one when a model's folder holds more than this many.
MAX_SHARDS = 32

#: Documents encoded per progress step (and per cache shard).
DOC_CHUNK = 256


def text_key(text: str) -> str:
    """A stable 32-hex-digit key for a document text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def model_fingerprint(encoder: InstructEncoder) -> str:
    """Identify a model by what determines its document embeddings, not by its name.

    The key covers the module stack, the maximum sequence length, and every parameter's name, shape,
    dtype and 1024 evenly spaced values, so a model fine-tuned in place (same path, new weights; training
    moves every weight) gets a new key and never reads stale vectors. Sampling instead of hashing all the
    weights keeps it to milliseconds even for large models (a full pass costs about a second on MiniLM).
    """
    import torch

    model = encoder.model
    digest = hashlib.sha256()
    digest.update(json.dumps([type(m).__name__ for m in model]).encode())
    digest.update(str(getattr(model, "max_seq_length", None)).encode())
    # An onnx/openvino model has no torch parameters to sample: its exported file identifies it instead
    # (torch models add nothing here, so their keys, and caches already on disk, stay the same).
    backend_id = getattr(encoder, "backend_id", "")
    if backend_id:
        digest.update(backend_id.encode())
    with torch.no_grad():
        for name, param in model.named_parameters():
            flat = param.detach().reshape(-1)
            sample = flat[:: max(1, flat.numel() // 1024)][:1024].float().cpu().numpy()
            digest.update(f"{name}|{tuple(param.shape)}|{param.dtype}".encode())
            digest.update(sample.tobytes())
    return digest.hexdigest()[:24]


class EmbeddingCache:
    """Document embeddings by text hash, in memory and optionally on disk.

    Args:
        model_key: Identity of the model (see :func:`model_fingerprint`); vectors of other models never mix.
        directory: Root folder for persistent shards, or None for an in-memory cache only.
        description: Human-readable model description stored next to the shards.
    """

    def __init__(self, model_key: str, directory: str | Path | None = None, description: dict | None = None):
        self.model_key = model_key
        self._vectors: dict[str, np.ndarray] = {}
        self.folder = Path(directory) / model_key if directory is not None else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            meta = self.folder / "model.json"
            if description and not meta.exists():
                meta.write_text(json.dumps(description, indent=2) + "\n")
            self._load()

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, key: str) -> bool:
        return key in self._vectors

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("shard-*.npz")) if self.folder else []

    def _load(self) -> None:
        shards = self._shards()
        for shard in shards:
            try:
                with np.load(shard, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError) as exc:  # a damaged file: skip it, its docs get re-encoded
                logger.warning("ignoring unreadable embedding cache shard %s (%s)", shard, exc)
                continue
            self._vectors.update(zip(keys.tolist(), vectors, strict=True))
        if len(shards) > MAX_SHARDS and self._vectors:
            # compact: write everything as one shard first, then drop the old ones (a crash in between
            # only leaves duplicates, which load to the same vectors)
            keys = list(self._vectors)
            self._write(keys, np.stack([self._vectors[k] for k in keys]))
            for shard in shards:
                shard.unlink(missing_ok=True)

    def _write(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        assert self.folder is not None
        fd, tmp = tempfile.mkstemp(prefix=".shard-", suffix=".npz.tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=np.asarray(keys, dtype="U32"), vectors=vectors.astype(np.float32))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.folder / f"shard-{time.time_ns():020d}-{os.getpid()}.npz")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def missing(self, keys: Sequence[str]) -> list[str]:
        """The keys (deduplicated, in order) that have no vector yet."""
        return [k for k in dict.fromkeys(keys) if k not in self._vectors]

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors, and write them as one shard when the cache is persistent."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
        if not len(keys):
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        self._vectors.update(zip(keys, vectors, strict=True))
        if self.folder is not None:
            self._write(keys, vectors)

    def get(self, keys: Sequence[str]) -> np.ndarray:
        """Stack the vectors of ``keys`` (all must be present) into a float32 matrix."""
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32, copy=False)


def encode_documents_cached(
    encoder: InstructEncoder, texts: Sequence[str], cache: EmbeddingCache, show_progress: bool = True,
    label: str = "encoding documents",
) -> tuple[np.ndarray, int, int]:
    """Embed documents through ``cache``: only texts it lacks are encoded, in chunks that are stored as they finish.

    Args:
        encoder: The model.
        texts: Document texts (duplicates are encoded once).
        cache: Where vectors are looked up and stored.
        show_progress: Show a progress bar while encoding.
        label: Progress-bar label.

    Returns:
        The vectors in the order of ``texts``, the number of distinct texts encoded now, and the number of
        distinct texts.
    """
    keys = [text_key(t) for t in texts]
    text_of = dict(zip(keys, texts, strict=True))
    # longest first, so each chunk holds texts of similar length and pads little (as sentence-transformers
    # sorts within one call)
    todo = sorted(cache.missing(keys), key=lambda k: -len(text_of[k]))
    if todo:
        with progress_bar(label, total=len(todo), disable=not show_progress) as advance:
            for start in range(0, len(todo), DOC_CHUNK):
                chunk = todo[start : start + DOC_CHUNK]
                cache.put(chunk, encoder.encode_documents([text_of[k] for k in chunk]))
                advance(len(chunk))
    if not keys:
        return np.zeros((0, 0), dtype=np.float32), 0, 0
    return cache.get(keys), len(todo), len(text_of)
