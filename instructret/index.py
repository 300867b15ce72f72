"""`InstructIndex`: instructed search over a Chroma collection.

Document embeddings never include an instruction; query embeddings always go through the model's
:class:`~instructret.formatting.InstructionTemplate`. The collection persists the embedding function's
config, so ``client.get_collection(name)`` in a new process rebuilds the same encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.errors import ChromaError, NotFoundError
from chromadb.utils.embedding_functions import register_embedding_function

from instructret.chroma_access import (
    DEFAULT_DB,
    check_k,
    check_where,
    collection_space,
    make_client,
    require_collection,
    score_from_distance,
)
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.progress import progress_bar

__all__ = ["DEFAULT_COLLECTION", "DEFAULT_DB", "Hit", "InstructEmbeddingFunction", "InstructIndex", "make_client",
           "shared_encoder"]

DEFAULT_COLLECTION = "instructret"

_ENCODERS: dict[tuple[str, str | None, str | None, str, str | None], InstructEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def shared_encoder(
    model: str,
    device: str | None = None,
    template: str | None = None,
    backend: str = "torch",
    quantize: str | None = None,
) -> InstructEncoder:
    """Load an encoder once per process, so rebuilt embedding functions don't reload the model."""
    key = (model, device, template, backend, quantize)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = InstructEncoder(model, device=device, template=template, backend=backend,
                                             quantize=quantize)
        return _ENCODERS[key]


@register_embedding_function
class InstructEmbeddingFunction(EmbeddingFunction[Documents]):
    """A Chroma embedding function backed by :class:`InstructEncoder`.

    ``__call__`` embeds documents (no instruction); ``embed_query`` embeds queries with ``instruction``.

    Args:
        model: Alias, local directory or hub id of the encoder.
        instruction: Instruction applied to every query embedded through Chroma's ``query_texts``.
        template: Query template override (default: the model's own, else ``"{query} {instruction}"``).
        device: Torch device, or None for the best available.
        encoder: An already loaded encoder to use instead of loading ``model``.
        backend: ``"torch"``, ``"onnx"`` or ``"openvino"`` (see :class:`InstructEncoder`); taken from
            ``encoder`` when one is given.
        quantize: None or ``"int8"``; taken from ``encoder`` when one is given.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        instruction: str | None = None,
        template: str | None = None,
        device: str | None = None,
        encoder: InstructEncoder | None = None,
        backend: str = "torch",
        quantize: str | None = None,
    ):
        self.model = model
        self.instruction = instruction
        self.template = template
        self.device = device
        self.encoder = encoder or shared_encoder(model, device, template, backend, quantize)
        self.backend = getattr(self.encoder, "backend", backend)
        self.quantize = getattr(self.encoder, "quantize", quantize)
        if encoder is not None:
            # Chroma rebuilds the function from get_config() when it opens a collection: let that find this
            # encoder instead of loading (or exporting) the same model a second time.
            with _ENCODERS_LOCK:
                _ENCODERS.setdefault((model, device, template, self.backend, self.quantize), encoder)

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (Chroma's signature)
        """Embed documents, without any instruction."""
        return list(self.encoder.encode_documents(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        """Embed queries with this function's instruction."""
        return list(self.encoder.encode_queries(list(input), self.instruction))

    @staticmethod
    def name() -> str:
        """Name under which Chroma persists and rebuilds this function."""
        return "instructret"

    def default_space(self) -> Space:
        """Embeddings are unit vectors, so cosine is the natural space."""
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        """Spaces that give a correct ranking for unit vectors."""
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        """JSON-serializable settings that rebuild this function."""
        config = {
            "model": self.model,
            "instruction": self.instruction,
            "template": self.template,
            "device": self.device,
        }
        if self.backend != "torch":  # torch collections keep the config they always had
            config.update(backend=self.backend, quantize=self.quantize)
        return config

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> InstructEmbeddingFunction:
        """Rebuild from :meth:`get_config` output (Chroma calls this on ``get_collection``)."""
        return InstructEmbeddingFunction(
            model=config.get("model") or DEFAULT_MODEL,
            instruction=config.get("instruction"),
            template=config.get("template"),
            device=config.get("device"),
            backend=config.get("backend") or "torch",
            quantize=config.get("quantize"),
        )

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        """Refuse to switch models on an existing collection: its vectors would no longer match."""
        if old_config.get("model") != new_config.get("model"):
            raise ValueError("the model of an existing instructret collection cannot be changed")

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Check that the config names a model."""
        if not isinstance(config.get("model"), str):
            raise ValueError("instructret embedding function config needs a 'model' string")


@dataclass(frozen=True)
class Hit:
    """One search result; ``score`` is the cosine similarity (higher is better), in every collection space.

    It is derived from the collection's distance (see :func:`~instructret.chroma_access.score_from_distance`).
    """

    id: str
    score: float
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


class InstructIndex:
    """Instructed search over a Chroma collection.

    Args:
        encoder: The encoder to use; None loads ``model``.
        collection: Collection name; created in cosine space if missing (unless ``create`` is False).
        path: Directory of an embedded Chroma database (the default, ``./instructret-db``).
        url: URL of a Chroma server (``http://host:port``), instead of ``path``.
        client: An existing Chroma client, instead of ``path``/``url``.
        model: Model to load when ``encoder`` is None.
        create: False opens only an existing database and collection (for searching) and creates nothing.
        backend: Backend of the model loaded when ``encoder`` is None (``"torch"``, ``"onnx"``, ``"openvino"``).
        quantize: None or ``"int8"``, for the model loaded when ``encoder`` is None.

    Raises:
        InstructretError: The database, server or collection cannot be opened (or, with ``create=False``,
            does not exist); checked before the model loads.

    Example:
        >>> index = InstructIndex(path="/tmp/db", collection="packages")
        >>> index.add(["mdcat"], ["mdcat: render Markdown in the terminal"])
        >>> index.search("markdown viewer", instruction="terminal programs only", k=1)[0].id
        'mdcat'
    """

    def __init__(
        self,
        encoder: InstructEncoder | None = None,
        collection: str = DEFAULT_COLLECTION,
        path: str | Path | None = None,
        url: str | None = None,
        client: chromadb.api.ClientAPI | None = None,
        model: str = DEFAULT_MODEL,
        create: bool = True,
        backend: str = "torch",
        quantize: str | None = None,
    ):
        self.client = client or make_client(path, url, create=create)
        if not create:
            require_collection(self.client, collection)
        self.encoder = encoder or shared_encoder(model, backend=backend, quantize=quantize)
        ef = InstructEmbeddingFunction(model=self._model_ref(), encoder=self.encoder,
                                       template=self.encoder.template.template)
        try:
            if create:
                self.collection = self.client.get_or_create_collection(
                    name=collection, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}
                )
            else:
                self.collection = self.client.get_collection(name=collection, embedding_function=ef)
        except NotFoundError as exc:  # deleted between the check and the open
            raise InstructretError(f"collection {collection!r} does not exist") from exc
        except (ChromaError, ValueError) as exc:  # bad names, model mismatch on an existing collection
            raise InstructretError(f"cannot open Chroma collection {collection!r}: {exc}") from exc
        # an existing collection keeps the space it was created with, whatever was asked for
        self.space = collection_space(self.collection)

    def _model_ref(self) -> str:
        # Persist an absolute path for local models so get_collection works from any directory.
        return str(self.encoder.model_path) if self.encoder.model_path else self.encoder.model_name

    def __len__(self) -> int:
        return self.collection.count()

    def add(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[Mapping[str, Any] | None] | None = None,
        batch_size: int = 256,
        show_progress: bool | None = None,
    ) -> int:
        """Embed and upsert documents; re-adding an id replaces it rather than duplicating it.

        Args:
            ids: Unique document ids.
            texts: Document texts (embedded without instruction).
            metadatas: Optional flat metadata per document.
            batch_size: Documents embedded and written per batch.
            show_progress: Show a progress bar; default: only for more than ``batch_size`` documents.

        Returns:
            The number of documents written.
        """
        if len(ids) != len(texts) or (metadatas is not None and len(metadatas) != len(ids)):
            raise InstructretError("ids, texts and metadatas must have the same length")
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if list(ids).count(i) > 1)
            raise InstructretError(f"duplicate id {dup!r} in one add() call")
        show = len(ids) > batch_size if show_progress is None else show_progress
        with progress_bar("indexing", total=len(ids), disable=not show) as advance:
            for start in range(0, len(ids), batch_size):
                stop = start + batch_size
                chunk_texts = list(texts[start:stop])
                emb = self.encoder.encode_documents(chunk_texts)
                metas = None
                if metadatas is not None:
                    # Chroma rejects empty metadata dicts; None means "no metadata".
                    metas = [dict(m) if m else None for m in metadatas[start:stop]]
                self.collection.upsert(
                    ids=list(ids[start:stop]), embeddings=emb, documents=chunk_texts, metadatas=metas
                )
                advance(len(chunk_texts))
        return len(ids)

    def search(
        self,
        query: str,
        instruction: str | None = None,
        k: int = 10,
        where: Mapping[str, Any] | None = None,
    ) -> list[Hit]:
        """Return the ``k`` best documents for ``query`` under ``instruction``.

        Args:
            query: The user's query.
            instruction: What makes a document relevant; None for a plain topical search.
            k: Number of hits.
            where: Optional Chroma metadata filter, e.g. ``{"interface": "cli"}``.
        """
        vec = self.encoder.encode_queries([query], instruction)
        return self.search_by_vector(vec[0], k=k, where=where)

    def search_by_vector(
        self, vector: np.ndarray, k: int = 10, where: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """Search with an already computed query embedding.

        Raises:
            InstructretError: ``k`` is below 1, ``where`` is not a valid Chroma filter, or Chroma refuses the query.
        """
        check_k(k)
        where = check_where(where)
        try:
            res = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except (ChromaError, ValueError) as exc:
            raise InstructretError(f"Chroma refused the search: {exc}") from exc
        ids = res["ids"][0]
        docs = (res.get("documents") or [[None] * len(ids)])[0]
        metas = (res.get("metadatas") or [[None] * len(ids)])[0]
        dists = (res.get("distances") or [[0.0] * len(ids)])[0]
        return [
            Hit(id=i, score=score_from_distance(float(d), self.space), text=t or "", metadata=dict(m or {}))
            for i, t, m, d in zip(ids, docs, metas, dists, strict=True)
        ]

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; ids that are not in the collection are ignored."""
        if ids:  # Chroma refuses an empty id list
            self.collection.delete(ids=list(ids))
