"""LlamaIndex adapters end to end: the packaged MiniLM, stock VectorStoreIndex, real Chroma (embedded and server)."""

from __future__ import annotations

from urllib.parse import urlparse

import chromadb
import numpy as np
import pytest
from llama_index.core import Document, MockEmbedding, StorageContext, VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.storage.kvstore import SimpleKVStore
from llama_index.core.vector_stores import ExactMatchFilter, MetadataFilters
from llama_index.vector_stores.chroma import ChromaVectorStore
from md_corpus import CLI_ONLY, IDS, LIBRARIES_ONLY, METADATAS, QUERY, TEXTS, unique_collection

from instructret.encoder import InstructEncoder
from instructret.integrations.llama_index import InstructEmbedding, InstructRetriever


def ranking(nodes) -> list[str]:
    # Nodes split from a Document point back to it; nodes read from an InstructIndex carry its ids.
    return [n.node.ref_doc_id or n.node.node_id for n in nodes]


def assert_instruction_demotes_topical_top(plain: list[str], instructed: list[str]) -> None:
    # Bare query: the graphical editor wins on topic. Under "only command-line programs" the terminal
    # renderer takes first place and the graphical editor moves down.
    assert plain[0] == "quillpad"
    assert instructed[0] == "mdcat"
    assert instructed.index("quillpad") > plain.index("quillpad")
    assert instructed.index("mdcat") < plain.index("mdcat")


def documents() -> list[Document]:
    # Keep the metadata out of the embedded text, so only the description decides.
    return [
        Document(id_=i, text=t, metadata=m, excluded_embed_metadata_keys=list(m))
        for i, t, m in zip(IDS, TEXTS, METADATAS, strict=True)
    ]


@pytest.fixture
def embed_model(minilm) -> InstructEmbedding:
    return InstructEmbedding(encoder=minilm)


@pytest.fixture
def memory_index(embed_model) -> VectorStoreIndex:
    """A stock in-memory VectorStoreIndex built with our embed model."""
    return VectorStoreIndex.from_documents(documents(), embed_model=embed_model)


def test_embedding_embeds_given_text_and_bundles_the_instruction(minilm, embed_model):
    np.testing.assert_allclose(
        embed_model.get_query_embedding(QUERY), minilm.encode_queries([QUERY])[0], atol=1e-6
    )
    np.testing.assert_allclose(embed_model.get_text_embedding(TEXTS[0]), minilm.encode_documents(TEXTS[:1])[0],
                               atol=1e-6)
    bundle = embed_model.query_bundle(QUERY, CLI_ONLY)
    assert bundle.query_str == QUERY
    # the bundle carries the instructed vector itself (a string could not carry what is subtracted)
    np.testing.assert_array_equal(bundle.embedding, minilm.encode_queries([QUERY], CLI_ONLY)[0].tolist())
    np.testing.assert_array_equal(embed_model.query_bundle(QUERY).embedding, minilm.encode_queries([QUERY])[0])


def test_text_embeddings_are_batched(minilm, monkeypatch):
    encoder = InstructEncoder.from_model(minilm.model, template=minilm.template)
    calls: list[int] = []
    real = encoder.encode_documents

    def counting(docs, batch_size=None, show_progress=False):
        calls.append(len(docs))
        return real(docs, batch_size=batch_size, show_progress=show_progress)

    monkeypatch.setattr(encoder, "encode_documents", counting)
    embeddings = InstructEmbedding(encoder=encoder, embed_batch_size=3).get_text_embedding_batch(TEXTS)
    assert calls == [3, 3, 2]  # one model call per batch, not one per text
    np.testing.assert_allclose(embeddings, minilm.encode_documents(TEXTS), atol=1e-5)


@pytest.mark.slow
def test_stock_vector_store_index_with_instruct_embedding(memory_index, embed_model):
    stock = memory_index.as_retriever(similarity_top_k=8)
    plain = ranking(stock.retrieve(QUERY))
    instructed = ranking(stock.retrieve(embed_model.query_bundle(QUERY, CLI_ONLY)))
    assert_instruction_demotes_topical_top(plain, instructed)
    retriever = InstructRetriever(memory_index, similarity_top_k=8)
    assert ranking(retriever.retrieve(QUERY)) == plain
    assert ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY)) == instructed


async def test_async_retrieval_matches_sync(memory_index):
    retriever = InstructRetriever(memory_index, similarity_top_k=8)
    sync = ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY))
    assert sync[0] == "mdcat"
    assert ranking(await retriever.aretrieve(QUERY, instruction=CLI_ONLY)) == sync
    default = InstructRetriever(memory_index, instruction=CLI_ONLY, similarity_top_k=8)
    assert ranking(await default.aretrieve(QUERY)) == sync
    assert ranking(await default.aretrieve(QUERY, instruction=""))[0] == "quillpad"


def test_instructed_vectors_bypass_the_text_cache(minilm):
    cache = SimpleKVStore()
    embed_model = InstructEmbedding(encoder=minilm, embeddings_cache=cache)
    index = VectorStoreIndex.from_documents(documents(), embed_model=embed_model)
    retriever = InstructRetriever(index, similarity_top_k=8)
    cli = ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY))
    libraries = ranking(retriever.retrieve(QUERY, instruction=LIBRARIES_ONLY))
    plain = ranking(retriever.retrieve(QUERY))
    # Same query string, three instructions, one process, one cache: three different rankings.
    assert (cli[0], libraries[0], plain[0]) == ("mdcat", "pymarkdown-lib", "quillpad")
    # the query vectors come in the bundles, so the cache holds document texts only: no query string can stand
    # for an instructed query there, and none leaks between instructions
    keys = set(cache.get_all(collection="embeddings"))
    assert keys and QUERY not in keys and not any(k.startswith(QUERY) for k in keys)
    # A second round still tells the instructions apart.
    assert ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY)) == cli
    assert ranking(retriever.retrieve(QUERY, instruction=LIBRARIES_ONLY)) == libraries


def test_query_engine_uses_the_default_instruction(memory_index):
    retriever = InstructRetriever(memory_index, instruction=CLI_ONLY, similarity_top_k=3)
    # MockLLM is LlamaIndex's built-in offline LLM (it echoes the prompt): no network, no key.
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    assert ranking(engine.query(QUERY).source_nodes)[0] == "mdcat"


def test_retriever_refuses_an_index_without_instruct_embedding():
    with pytest.raises(TypeError, match="InstructEmbedding"):
        InstructRetriever(VectorStoreIndex([], embed_model=MockEmbedding(embed_dim=8)))


@pytest.mark.slow
def test_chroma_vector_store_over_instruct_index(md_index):
    retriever = InstructRetriever.from_instruct_index(md_index, similarity_top_k=8)
    nodes = retriever.retrieve(QUERY, instruction=CLI_ONLY)
    assert_instruction_demotes_topical_top(ranking(retriever.retrieve(QUERY)), ranking(nodes))
    assert nodes[0].node.get_content() == TEXTS[IDS.index("mdcat")]
    assert nodes[0].node.metadata == {"interface": "cli"}
    gui = InstructRetriever.from_instruct_index(
        md_index, similarity_top_k=8, filters=MetadataFilters(filters=[ExactMatchFilter(key="interface", value="gui")])
    )
    assert sorted(ranking(gui.retrieve(QUERY, instruction=CLI_ONLY))) == ["inkdown", "quillpad"]


@pytest.mark.slow
def test_chroma_vector_store_over_a_users_collection(embed_model, tmp_path):
    collection = chromadb.PersistentClient(path=str(tmp_path / "db")).get_or_create_collection("markdown")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(documents(), storage_context=storage, embed_model=embed_model)
    assert collection.count() == len(IDS)
    retriever = InstructRetriever(index, similarity_top_k=8)
    assert_instruction_demotes_topical_top(
        ranking(retriever.retrieve(QUERY)), ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY))
    )


@pytest.mark.slow
@pytest.mark.server
def test_against_chroma_server(server_index, embed_model, chroma_server):
    retriever = InstructRetriever.from_instruct_index(server_index, similarity_top_k=8)
    assert_instruction_demotes_topical_top(
        ranking(retriever.retrieve(QUERY)), ranking(retriever.retrieve(QUERY, instruction=CLI_ONLY))
    )
    url = urlparse(chroma_server)
    store = ChromaVectorStore(chroma_collection=chromadb.HttpClient(host=url.hostname, port=url.port)
                              .get_or_create_collection(unique_collection("li")))
    index = VectorStoreIndex.from_documents(
        documents(), storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed_model
    )
    users = InstructRetriever(index, similarity_top_k=8)
    assert_instruction_demotes_topical_top(
        ranking(users.retrieve(QUERY)), ranking(users.retrieve(QUERY, instruction=CLI_ONLY))
    )
