"""`InstructIndex`: instructed search over a Chroma collection.

Document embeddings never include an instruction; query embeddings always go through the model's
:class:`~instructret.formatting.InstructionTemplate`. The collection persists the embedding function's
config, so ``client.get_collection(name)`` in a new process rebuilds the same encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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
    check_collection_name,
    check_k,
    check_where,
    collection_space,
    make_client,
    require_collection,
    score_from_distance,
)
from instructret.db_lock import WriteGuard, fresh_persistent_client
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.errors import InstructretError
from instructret.model_match import check_collection_model, record_collection_model, weights_fingerprint
from instructret.progress import progress_bar
from instructret.spec import EncoderSpec, make_spec, spec_from_config

__all__ = ["DEFAULT_COLLECTION", "DEFAULT_DB", "Hit", "InstructEmbeddingFunction", "InstructIndex", "make_client",
           "shared_encoder"]

DEFAULT_COLLECTION = "instructret"

_ENCODERS: dict[EncoderSpec, InstructEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def shared_encoder(spec: EncoderSpec | str | None = None, **spec_fields: Any) -> InstructEncoder:
    """Load an encoder once per process and spec, so rebuilt embedding functions don't reload the model.

    Args:
        spec: The encoder's spec, or a model name (the default model when None).
        **spec_fields: Fields of :class:`~instructret.spec.EncoderSpec` overriding those of ``spec``.
    """
    key = make_spec(spec, **spec_fields)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = InstructEncoder(key)
        return _ENCODERS[key]


def remember_encoder(encoder: InstructEncoder, spec: EncoderSpec | None = None) -> None:
    """Let :func:`shared_encoder` find ``encoder`` under ``spec`` (default: its own) instead of loading it again."""
    with _ENCODERS_LOCK:
        _ENCODERS.setdefault(spec or encoder.spec, encoder)


@register_embedding_function
class InstructEmbeddingFunction(EmbeddingFunction[Documents]):
    """A Chroma embedding function backed by :class:`InstructEncoder`.

    ``__call__`` embeds documents (no instruction); ``embed_query`` embeds queries with ``instruction`` (split
    into wanted and excluded clauses, see :class:`InstructEncoder`) and ``exclude``. The persisted config is
    the encoder's :class:`~instructret.spec.EncoderSpec` plus the instruction, so ``get_collection`` in a new
    process rebuilds the same function.

    Args:
        model: An :class:`~instructret.spec.EncoderSpec`, or the model (alias, local directory or hub id).
        instruction: Instruction applied to every query embedded through Chroma's ``query_texts``.
        exclude: Texts every such query excludes, added to what the instruction excludes.
        encoder: An already loaded encoder to use instead of loading one (its spec is then persisted).
        **spec_fields: Other :class:`~instructret.spec.EncoderSpec` fields (``template``, ``device``,
            ``backend``, ``quantize``, ``parser``, ``exclusion_weight`` ...).
    """

    def __init__(
        self,
        model: str | EncoderSpec = DEFAULT_MODEL,
        instruction: str | None = None,
        exclude: Sequence[str] | None = None,
        encoder: InstructEncoder | None = None,
        **spec_fields: Any,
    ):
        self.instruction = instruction
        self.exclude = list(exclude) if exclude else None
        if encoder is not None:
            self.encoder = encoder
            self.spec = encoder.spec
            # Chroma rebuilds the function from get_config() when it opens a collection: let that find this
            # encoder instead of loading (or exporting) the same model a second time.
            remember_encoder(encoder)
        else:
            self.spec = make_spec(model, **spec_fields)
            self.encoder = shared_encoder(self.spec)

    @property
    def model(self) -> str:
        """The model, as the spec names it."""
        return self.spec.model

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (Chroma's signature)
        """Embed documents, without any instruction."""
        return list(self.encoder.encode_documents(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        """Embed queries with this function's instruction and exclusions."""
        return list(self.encoder.encode_queries(list(input), self.instruction, exclude=self.exclude))

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
        """JSON-serializable settings that rebuild this function: the spec, the instruction and exclusions.

        ``weights`` (a hash of the weight files, see :mod:`instructret.model_match`) lets a rebuild notice that
        the model's directory now holds other weights.
        """
        return {**self.spec.to_config(), "instruction": self.instruction, "exclude": self.exclude,
                "weights": weights_fingerprint(self.encoder)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> InstructEmbeddingFunction:
        """Rebuild from :meth:`get_config` output (Chroma calls this on ``get_collection``).

        Configs written before the spec carry a subset of its fields; the rest take their defaults.

        Raises:
            ModelMismatchError: The config's model now has other weights than those it recorded.
        """
        ef = InstructEmbeddingFunction(spec_from_config(config), instruction=config.get("instruction"),
                                       exclude=config.get("exclude"))
        check_collection_model(config, ef.encoder)  # the same check as every search (instructret.model_match)
        return ef

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
        encoder: The encoder to use, or the :class:`~instructret.spec.EncoderSpec` of one to load (None: the
            default model, or the one ``spec_fields`` name).
        collection: Collection name; created in cosine space if missing (unless ``create`` is False).
        path: Directory of an embedded Chroma database (the default, ``./instructret-db``).
        url: URL of a Chroma server (``http://host:port``), instead of ``path``.
        client: An existing Chroma client, instead of ``path``/``url``.
        create: False opens only an existing database and collection (for searching) and creates nothing.
        allow_model_mismatch: Open a collection indexed with another model anyway (see
            :func:`~instructret.model_match.check_collection_model`), with a note instead of an error.
        write_wait: Seconds a write waits for another process writing to the same embedded database
            (see :mod:`instructret.db_lock`); 0 fails at once with :class:`~instructret.db_lock.DbBusyError`.
        **spec_fields: :class:`~instructret.spec.EncoderSpec` fields (``model``, ``backend``, ``quantize``,
            ``exclusion_weight`` ...) of the encoder loaded when ``encoder`` is not an encoder.

    Raises:
        InstructretError: The database, server or collection cannot be opened (or, with ``create=False``,
            does not exist); checked before the model loads.
        ModelMismatchError: The collection holds vectors of another model (unless ``allow_model_mismatch``).

    Example:
        >>> index = InstructIndex(path="/tmp/db", collection="packages")
        >>> index.add(["mdcat"], ["mdcat: render Markdown in the terminal"])
        >>> index.search("markdown viewer", instruction="terminal programs only", k=1)[0].id
        'mdcat'
    """

    def __init__(
        self,
        encoder: InstructEncoder | EncoderSpec | None = None,
        collection: str = DEFAULT_COLLECTION,
        path: str | Path | None = None,
        url: str | None = None,
        client: chromadb.api.ClientAPI | None = None,
        create: bool = True,
        allow_model_mismatch: bool = False,
        write_wait: float = 0.0,
        **spec_fields: Any,
    ):
        check_collection_name(collection)  # before anything is opened or created
        self._guard = WriteGuard.before_open(path, url, client)  # see instructret.db_lock
        self.client = client or make_client(path, url, create=create)
        self._guard.attach(self.client)
        self.write_wait = write_wait
        if not create:
            require_collection(self.client, collection)
        if isinstance(encoder, InstructEncoder):
            self.encoder = encoder
        else:
            self.encoder = shared_encoder(encoder, **spec_fields)
        # Persist an absolute path for local models so get_collection works from any directory.
        persisted = make_spec(self.encoder.spec, model=self._model_ref())
        remember_encoder(self.encoder, persisted)
        ef = InstructEmbeddingFunction(persisted)
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
        self._ef = ef
        if self.collection.count() > 0:  # stored vectors from another model would make every search wrong
            check_collection_model(self.collection, self.encoder, allow_mismatch=allow_model_mismatch)

    def _model_ref(self) -> str:
        # Persist an absolute path for local models so get_collection works from any directory.
        return str(self.encoder.model_path) if self.encoder.model_path else self.encoder.model_name

    def __len__(self) -> int:
        return self.collection.count()

    @contextmanager
    def writing(self, wait: float | None = None) -> Iterator[None]:
        """Hold the write lock of an embedded database for a block of writes (see :mod:`instructret.db_lock`).

        Args:
            wait: Seconds to wait for another writing process (default: ``write_wait``); 0 fails at once.

        Raises:
            DbBusyError: Another process is writing to the database.
        """
        with self._guard.writing(self._reopen, self.write_wait if wait is None else wait):
            record_collection_model(self.collection, self.encoder)
            yield

    def _reopen(self) -> None:
        # another process wrote since this client opened the database: its in-memory state may be stale
        self.client = fresh_persistent_client(self.client)
        self.collection = self.client.get_collection(name=self.collection.name, embedding_function=self._ef)

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
        with self.writing(), progress_bar("indexing", total=len(ids), disable=not show) as advance:
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
        exclude: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Return the ``k`` best documents for ``query`` under ``instruction``.

        Args:
            query: The user's query.
            instruction: What makes a document relevant; None for a plain topical search. What it excludes
                pushes documents down (see :class:`InstructEncoder`).
            k: Number of hits.
            where: Optional Chroma metadata filter, e.g. ``{"interface": "cli"}``.
            exclude: What to exclude explicitly, added to what the instruction excludes.
        """
        vec = self.encoder.encode_queries([query], instruction, exclude=exclude)
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
            with self.writing():
                self.collection.delete(ids=list(ids))
