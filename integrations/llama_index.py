"""LlamaIndex adapters: :class:`InstructEmbedding` and :class:`InstructRetriever`.

The instruction never lives inside the embed model. An instructed query is one vector that a string cannot
carry (what the instruction excludes is subtracted from it, see :class:`~instructret.encoder.InstructEncoder`),
so it goes to LlamaIndex as ``QueryBundle(embedding=...)``, computed by ``InstructEncoder.encode_queries``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import PrivateAttr

from instructret.encoder import InstructEncoder
from instructret.index import InstructIndex, shared_encoder
from instructret.model_match import check_collection_model
from instructret.spec import DEFAULT_MODEL, EncoderSpec, make_spec, split_spec_kwargs

try:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.schema import NodeWithScore, QueryBundle, QueryType
except ImportError as exc:
    raise ImportError(
        f"instructret.integrations.llama_index needs LlamaIndex: pip install 'instructret[llamaindex]' ({exc})",
        name=exc.name,
    ) from exc

__all__ = ["InstructEmbedding", "InstructRetriever"]


class InstructEmbedding(BaseEmbedding):
    """An instructret model as a LlamaIndex embed model.

    Query embeddings embed exactly the text they are given; the instruction enters through
    :meth:`query_bundle` (or :class:`InstructRetriever`), as the instructed query's vector.

    Setup:
        .. code-block:: bash

            pip install "instructret[llamaindex]"

    Instantiate:
        .. code-block:: python

            from instructret.integrations.llama_index import InstructEmbedding

            embed_model = InstructEmbedding(model_name="minilm")  # alias, local directory or hub id

    Use:
        .. code-block:: python

            from llama_index.core import Document, VectorStoreIndex

            index = VectorStoreIndex.from_documents([Document(text="...")], embed_model=embed_model)
            bundle = embed_model.query_bundle("markdown editor", "Only command-line programs are relevant.")
            nodes = index.as_retriever(similarity_top_k=3).retrieve(bundle)

    Args:
        model_name: Alias (``"minilm"``), local sentence-transformers directory, hub id, or an
            :class:`~instructret.spec.EncoderSpec`. Ignored when ``encoder`` is given.
        encoder: An already loaded :class:`InstructEncoder` to use instead of loading one.
        embed_batch_size: Texts embedded per model call.
        **kwargs: :class:`~instructret.spec.EncoderSpec` fields (``device``, ``template``, ``backend``,
            ``quantize``, ``parser``, ``exclusion_weight`` ...), and other :class:`BaseEmbedding` fields
            (``embeddings_cache``, ``callback_manager`` ...).
    """

    _encoder: InstructEncoder = PrivateAttr()

    def __init__(
        self,
        model_name: str | EncoderSpec = DEFAULT_MODEL,
        encoder: InstructEncoder | None = None,
        embed_batch_size: int = 32,
        **kwargs: Any,
    ):
        fields = split_spec_kwargs(kwargs)
        if encoder is None:
            spec = make_spec(model_name, **fields)
            encoder = shared_encoder(spec)
        super().__init__(model_name=encoder.model_name, embed_batch_size=embed_batch_size, **kwargs)
        self._encoder = encoder

    @classmethod
    def class_name(cls) -> str:
        """Name LlamaIndex uses when serializing this model."""
        return "InstructEmbedding"

    @property
    def encoder(self) -> InstructEncoder:
        """The wrapped encoder."""
        return self._encoder

    def format_query(self, query: str, instruction: str | None = None) -> str:
        """The text the model sees for ``query`` under the whole ``instruction`` (its own template, unsplit)."""
        return self._encoder.template.format(query, instruction)

    def query_bundle(
        self, query: str, instruction: str | None = None, exclude: list[str] | None = None
    ) -> QueryBundle:
        """A ``QueryBundle`` carrying the instructed query's vector, for any LlamaIndex retriever or query engine.

        Args:
            query: The user's query.
            instruction: What makes a node relevant; what it excludes is subtracted from the vector.
            exclude: Texts to exclude explicitly, added to what ``instruction`` excludes.
        """
        vector = self._encoder.encode_queries([query], instruction, exclude=exclude)[0]
        return QueryBundle(query_str=query, embedding=vector.tolist())

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._encoder.encode_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._encoder.encode_documents([text])[0].tolist()

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await asyncio.to_thread(self._get_text_embedding, text)

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._encoder.encode_documents(texts, batch_size=self.embed_batch_size).tolist()

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await asyncio.to_thread(self._get_text_embeddings, texts)


class InstructRetriever(BaseRetriever):
    """Instructed retrieval over a LlamaIndex ``VectorStoreIndex`` whose embed model is :class:`InstructEmbedding`.

    ``retrieve(query, instruction=..., exclude=[...])`` and ``aretrieve`` take the instruction per call; a plain
    string or ``QueryBundle`` without an embedding gets the retriever's default instruction. Works in query
    engines like any retriever.

    Setup:
        .. code-block:: bash

            pip install "instructret[llamaindex]"

    Instantiate:
        .. code-block:: python

            from instructret.index import InstructIndex
            from instructret.integrations.llama_index import InstructRetriever

            # Over an InstructIndex's Chroma collection (embedded or server):
            retriever = InstructRetriever.from_instruct_index(InstructIndex(path="./instructret-db"))

            # Or over any VectorStoreIndex built with InstructEmbedding (e.g. on ChromaVectorStore):
            retriever = InstructRetriever(index, similarity_top_k=5)

    Use:
        .. code-block:: python

            nodes = retriever.retrieve("markdown editor", instruction="Only command-line programs are relevant.")
            nodes = await retriever.aretrieve("markdown editor", instruction="...")

            from llama_index.core.query_engine import RetrieverQueryEngine

            engine = RetrieverQueryEngine.from_args(retriever, llm=...)

    Args:
        index: A ``VectorStoreIndex`` whose embed model is an :class:`InstructEmbedding`.
        instruction: Default instruction, used when a call gives none.
        exclude: Default explicit exclusions, used when a call gives none.
        similarity_top_k: Number of nodes to return.
        callback_manager: LlamaIndex callback manager.
        allow_model_mismatch: Retrieve from a Chroma collection indexed with another model anyway (a note
            instead of :class:`~instructret.model_match.ModelMismatchError`).
        **retriever_kwargs: Passed to ``index.as_retriever`` (``filters``, ``vector_store_query_mode`` ...).

    Raises:
        TypeError: If the index's embed model is not an :class:`InstructEmbedding`.
    """

    def __init__(
        self,
        index: VectorStoreIndex,
        instruction: str | None = None,
        similarity_top_k: int = 4,
        exclude: list[str] | None = None,
        callback_manager: CallbackManager | None = None,
        allow_model_mismatch: bool = False,
        **retriever_kwargs: Any,
    ):
        # VectorStoreIndex has no public accessor for its embed model.
        embed_model = index._embed_model
        if not isinstance(embed_model, InstructEmbedding):
            raise TypeError(
                f"InstructRetriever needs a VectorStoreIndex built with embed_model=InstructEmbedding(...), "
                f"got {type(embed_model).__name__}"
            )
        self.embed_model = embed_model
        # Over a Chroma collection: was it indexed with this model? (instructret.model_match)
        collection = getattr(getattr(index, "vector_store", None), "_collection", None)
        if collection is not None and hasattr(collection, "configuration_json"):
            check_collection_model(collection, embed_model.encoder, allow_mismatch=allow_model_mismatch)
        self.instruction = instruction
        self.exclude = exclude
        self._retriever = index.as_retriever(similarity_top_k=similarity_top_k, **retriever_kwargs)
        super().__init__(callback_manager=callback_manager)

    @classmethod
    def from_instruct_index(
        cls, index: InstructIndex, instruction: str | None = None, similarity_top_k: int = 4, **kwargs: Any
    ) -> InstructRetriever:
        """Retrieve from an :class:`~instructret.index.InstructIndex`'s collection through ``ChromaVectorStore``."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = ChromaVectorStore(chroma_collection=index.collection)
        vindex = VectorStoreIndex.from_vector_store(store, embed_model=InstructEmbedding(encoder=index.encoder))
        return cls(vindex, instruction=instruction, similarity_top_k=similarity_top_k, **kwargs)

    def _bundle(self, query: QueryType, instruction: str | None, exclude: list[str] | None = None) -> QueryBundle:
        if isinstance(query, str):
            query = QueryBundle(query_str=query)
        if instruction is None and exclude is None and (
            query.custom_embedding_strs is not None or query.embedding is not None
        ):
            return query  # the caller already chose what to embed
        instruction = self.instruction if instruction is None else instruction
        exclude = self.exclude if exclude is None else exclude
        return self.embed_model.query_bundle(query.query_str, instruction, exclude)

    def retrieve(
        self, str_or_query_bundle: QueryType, instruction: str | None = None, exclude: list[str] | None = None
    ) -> list[NodeWithScore]:
        """Retrieve nodes for a query under ``instruction`` (default: the retriever's own; ``""`` for none).

        What the instruction excludes, and ``exclude`` (default: the retriever's own), push nodes down.
        """
        return super().retrieve(self._bundle(str_or_query_bundle, instruction, exclude))

    async def aretrieve(
        self, str_or_query_bundle: QueryType, instruction: str | None = None, exclude: list[str] | None = None
    ) -> list[NodeWithScore]:
        """Async :meth:`retrieve`."""
        return await super().aretrieve(self._bundle(str_or_query_bundle, instruction, exclude))

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return self._retriever.retrieve(self._bundle(query_bundle, None))

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await self._retriever.aretrieve(self._bundle(query_bundle, None))
