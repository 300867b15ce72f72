"""LangChain adapters end to end: the packaged MiniLM, real embedded Chroma, and a real Chroma server."""

from __future__ import annotations

import chromadb
import numpy as np
import pytest
from langchain_chroma import Chroma
from md_corpus import CLI_ONLY, IDS, METADATAS, QUERY, TEXTS, unique_collection

from instructret.integrations.langchain import InstructEmbeddings, InstructRetriever


def ranking(docs) -> list[str]:
    return [d.id for d in docs]


def assert_instruction_demotes_topical_top(plain: list[str], instructed: list[str]) -> None:
    # Bare query: the graphical editor wins on topic. Under "only command-line programs" the terminal
    # renderer takes first place and the graphical editor moves down.
    assert plain[0] == "quillpad"
    assert instructed[0] == "mdcat"
    assert instructed.index("quillpad") > plain.index("quillpad")
    assert instructed.index("mdcat") < plain.index("mdcat")


def test_embeddings_apply_instruction_to_queries_only(minilm):
    emb = InstructEmbeddings(encoder=minilm, instruction=CLI_ONLY)
    np.testing.assert_allclose(emb.embed_query(QUERY), minilm.encode_queries([QUERY], CLI_ONLY)[0], atol=1e-6)
    np.testing.assert_allclose(emb.embed_documents(TEXTS[:2]), minilm.encode_documents(TEXTS[:2]), atol=1e-6)
    plain = emb.model_copy(update={"instruction": None}).embed_query(QUERY)
    assert float(np.dot(plain, emb.embed_query(QUERY))) < 0.95  # the instruction really changes the vector


def test_embeddings_use_the_model_template():
    emb = InstructEmbeddings(model="minilm", device="cpu", template="Instruct: {instruction}\nQuery: {query}",
                             instruction="only terminal programs")
    expected = emb.encoder.encode_documents(["Instruct: only terminal programs\nQuery: markdown editor"])[0]
    np.testing.assert_allclose(emb.embed_query("markdown editor"), expected, atol=1e-6)


@pytest.mark.slow
def test_retriever_instruction_moves_topical_top_down(md_index):
    retriever = InstructRetriever(index=md_index, k=8)
    plain = retriever.invoke(QUERY)
    instructed = retriever.invoke(QUERY, instruction=CLI_ONLY)
    assert_instruction_demotes_topical_top(ranking(plain), ranking(instructed))
    scores = [d.metadata["score"] for d in instructed]
    assert scores == sorted(scores, reverse=True)
    assert instructed[0].page_content == TEXTS[IDS.index("mdcat")]
    assert instructed[0].metadata["interface"] == "cli"


def test_call_kwargs_override_defaults(md_index):
    retriever = InstructRetriever(index=md_index, instruction=CLI_ONLY, k=3)
    assert ranking(retriever.invoke(QUERY))[0] == "mdcat"
    assert ranking(retriever.invoke(QUERY, instruction=""))[0] == "quillpad"  # "" = no instruction
    assert len(retriever.invoke(QUERY, k=5)) == 5
    gui = retriever.invoke(QUERY, filter={"interface": "gui"})
    assert sorted(ranking(gui)) == ["inkdown", "quillpad"]


async def test_ainvoke_and_abatch_take_the_same_kwargs(md_index):
    retriever = InstructRetriever(index=md_index, k=8)
    sync = ranking(retriever.invoke(QUERY, instruction=CLI_ONLY))
    assert ranking(await retriever.ainvoke(QUERY, instruction=CLI_ONLY)) == sync
    plain, instructed = await retriever.abatch([QUERY, QUERY], instruction=CLI_ONLY, k=2)
    assert ranking(plain) == ranking(instructed) == sync[:2]
    cli = await retriever.ainvoke(QUERY, k=2, filter={"interface": "cli"})
    assert ranking(cli) == ["mdcat", "mdlint"]


def test_batch_takes_the_same_kwargs(md_index):
    retriever = InstructRetriever(index=md_index)
    md, procs = retriever.batch([QUERY, "process viewer"], instruction=CLI_ONLY, k=2)
    assert ranking(md)[0] == "mdcat" and len(md) == 2
    assert ranking(procs)[0] == "htop" and len(procs) == 2


@pytest.mark.slow
def test_langchain_chroma_with_instruct_embeddings(minilm, tmp_path):
    embeddings = InstructEmbeddings(encoder=minilm)
    store = Chroma(collection_name="markdown", embedding_function=embeddings, persist_directory=str(tmp_path / "db"))
    store.add_texts(TEXTS, metadatas=METADATAS, ids=IDS)
    plain = store.similarity_search(QUERY, k=8)
    cli_store = Chroma(
        collection_name="markdown",
        embedding_function=embeddings.model_copy(update={"instruction": CLI_ONLY}),
        persist_directory=str(tmp_path / "db"),
    )
    instructed = cli_store.as_retriever(search_kwargs={"k": 8}).invoke(QUERY)
    assert_instruction_demotes_topical_top(ranking(plain), ranking(instructed))


@pytest.mark.slow
@pytest.mark.server
def test_retriever_against_chroma_server(server_index):
    retriever = InstructRetriever(index=server_index, k=8)
    assert_instruction_demotes_topical_top(
        ranking(retriever.invoke(QUERY)), ranking(retriever.invoke(QUERY, instruction=CLI_ONLY))
    )


@pytest.mark.slow
@pytest.mark.server
def test_langchain_chroma_against_chroma_server(minilm, chroma_server):
    from urllib.parse import urlparse

    url = urlparse(chroma_server)
    client = chromadb.HttpClient(host=url.hostname, port=url.port)
    name = unique_collection("lc")
    store = Chroma(collection_name=name, embedding_function=InstructEmbeddings(encoder=minilm), client=client)
    store.add_texts(TEXTS, metadatas=METADATAS, ids=IDS)
    cli = Chroma(collection_name=name, client=client,
                 embedding_function=InstructEmbeddings(encoder=minilm, instruction=CLI_ONLY))
    assert_instruction_demotes_topical_top(
        ranking(store.similarity_search(QUERY, k=8)), ranking(cli.similarity_search(QUERY, k=8))
    )
