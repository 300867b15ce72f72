"""LangChain adapters: :class:`InstructEmbeddings` and :class:`InstructRetriever`.

Both only adapt :class:`~instructret.encoder.InstructEncoder` and :class:`~instructret.index.InstructIndex`
to LangChain's ``Embeddings`` and ``BaseRetriever``: the instruction is joined to the query by the model's
own template (``instructret.formatting``), and documents are always embedded without one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from instructret.encoder import InstructEncoder
from instructret.index import Hit, InstructIndex, shared_encoder
from instructret.model_match import check_collection_model
from instructret.spec import make_spec, split_spec_kwargs

try:
    from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables.config import run_in_executor
except ImportError as exc:
    raise ImportError(
        f"instructret.integrations.langchain needs LangChain: pip install 'instructret[langchain]' ({exc})",
        name=exc.name,
    ) from exc

__all__ = ["InstructEmbeddings", "InstructRetriever"]


class InstructEmbeddings(BaseModel, Embeddings):
    """Instruction-following embeddings from an instructret model.

    Setup:
        .. code-block:: bash

            pip install "instructret[langchain]"

    Instantiate:
        .. code-block:: python

            from instructret.integrations.langchain import InstructEmbeddings

            embeddings = InstructEmbeddings(
                model="minilm",  # alias, local model directory or hub id
                instruction="Only command-line programs are relevant.",
            )

    Use:
        .. code-block:: python

            embeddings.embed_documents(["mdcat: render Markdown in the terminal"])  # no instruction
            embeddings.embed_query("markdown viewer")  # joined with ``instruction``

            # Another instruction, same loaded model:
            gui = embeddings.model_copy(update={"instruction": "Only graphical desktop applications."})

            # As the embedding function of a LangChain vector store:
            from langchain_chroma import Chroma

            store = Chroma(collection_name="packages", embedding_function=embeddings)

    Attributes:
        spec: The encoder's :class:`~instructret.spec.EncoderSpec`. Its fields may also be given one by one
            (``model``, ``device``, ``template``, ``backend``, ``quantize``, ``parser``, ``exclusion_weight``
            ...); ignored when ``encoder`` is given.
        instruction: Instruction for every query :meth:`embed_query` embeds: what it wants is added to the
            query, what it excludes is subtracted (see :class:`~instructret.encoder.InstructEncoder`); None
            (or empty) embeds the plain query.
        exclude: Texts every query excludes explicitly, added to what ``instruction`` excludes.
        encoder: An already loaded :class:`InstructEncoder` to use instead of loading one.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    spec: Any = None
    instruction: str | None = None
    exclude: list[str] | None = None
    encoder: InstructEncoder | None = Field(default=None, exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _collect_spec(cls, data: Any) -> Any:
        # spec fields given one by one (model="minilm", exclusion_weight=0.5) make up the spec
        if isinstance(data, dict):
            data = dict(data)
            fields = split_spec_kwargs(data)
            data["spec"] = make_spec(data.get("spec"), **fields)
        return data

    @model_validator(mode="after")
    def _load_encoder(self) -> InstructEmbeddings:
        # Models are loaded once per process and shared, so copies and many instances are cheap.
        if self.encoder is None:
            self.encoder = shared_encoder(self.spec)
        else:
            self.spec = self.encoder.spec
        return self

    @property
    def model(self) -> str:
        """The model, as the spec names it."""
        return self.spec.model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents, without any instruction, in batches."""
        return self.encoder.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed a query under :attr:`instruction` and :attr:`exclude`."""
        return self.encoder.encode_queries([text], self.instruction, exclude=self.exclude)[0].tolist()

    # aembed_documents / aembed_query: the inherited versions run the methods above in an executor.


def _to_document(hit: Hit) -> Document:
    return Document(id=hit.id, page_content=hit.text, metadata={**hit.metadata, "score": hit.score})


class InstructRetriever(BaseRetriever):
    """Instructed search over an :class:`~instructret.index.InstructIndex` (a Chroma collection).

    ``invoke``, ``ainvoke`` and ``batch`` take ``instruction``, ``exclude``, ``k`` and ``filter`` keyword arguments,
    which override the retriever's defaults for that call.

    Setup:
        .. code-block:: bash

            pip install "instructret[langchain]"

    Instantiate:
        .. code-block:: python

            from instructret.index import InstructIndex
            from instructret.integrations.langchain import InstructRetriever

            index = InstructIndex(path="./instructret-db", collection="packages")  # or url="http://..."
            index.add(["mdcat", "quillpad"], ["mdcat: render Markdown in the terminal",
                                              "Quillpad: graphical Markdown editor"])
            retriever = InstructRetriever(index=index, k=4)

    Use:
        .. code-block:: python

            docs = retriever.invoke("markdown editor", instruction="Only command-line programs are relevant.")
            docs[0].id, docs[0].metadata["score"]

            await retriever.ainvoke("markdown editor", instruction="...", k=2, filter={"interface": "cli"})
            retriever.batch(["markdown editor", "chess"], instruction="...")

    Attributes:
        index: The index to search.
        instruction: Default instruction; a call's ``instruction=`` replaces it (``""`` for none). What it
            excludes pushes documents down.
        exclude: Default explicit exclusions; a call's ``exclude=`` replaces them (``[]`` for none).
        k: Default number of documents.
        filter: Default Chroma metadata filter (a ``where`` clause), e.g. ``{"interface": "cli"}``.
        allow_model_mismatch: Search a collection indexed with another model anyway (a note instead of
            :class:`~instructret.model_match.ModelMismatchError`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: InstructIndex
    instruction: str | None = None
    exclude: list[str] | None = None
    k: int = 4
    filter: dict[str, Any] | None = None
    allow_model_mismatch: bool = False

    @model_validator(mode="after")
    def _check_model(self) -> InstructRetriever:
        # the collection must hold this model's vectors (instructret.model_match)
        check_collection_model(self.index.collection, self.index.encoder, allow_mismatch=self.allow_model_mismatch)
        return self

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        instruction: str | None = None,
        exclude: list[str] | None = None,
        k: int | None = None,
        filter: dict[str, Any] | None = None,  # noqa: A002 (LangChain's name for it)
    ) -> list[Document]:
        hits = self.index.search(
            query,
            instruction=self.instruction if instruction is None else instruction,
            k=self.k if k is None else k,
            where=self.filter if filter is None else filter,
            exclude=self.exclude if exclude is None else exclude,
        )
        return [_to_document(h) for h in hits]

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager: AsyncCallbackManagerForRetrieverRun,
        instruction: str | None = None,
        exclude: list[str] | None = None,
        k: int | None = None,
        filter: dict[str, Any] | None = None,  # noqa: A002
    ) -> list[Document]:
        return await run_in_executor(
            None,
            self._get_relevant_documents,
            query,
            run_manager=run_manager.get_sync(),
            instruction=instruction,
            exclude=exclude,
            k=k,
            filter=filter,
        )
