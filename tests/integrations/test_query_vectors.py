"""Every path that turns a query and an instruction into a vector gives encode_queries' vector, split included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from instructret.evaluation import load_followir
from instructret.evaluation.followir import evaluate_followir
from instructret.index import InstructEmbeddingFunction

QUERY = "markdown editor"
INSTRUCTION = "Only programs that run in a terminal. Graphical editors are not relevant."
EXCLUDE = ["web applications"]
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "followir_tiny"


@pytest.fixture
def expected(minilm) -> np.ndarray:
    vec = minilm.encode_queries([QUERY], INSTRUCTION, exclude=EXCLUDE)[0]
    # the split is really in play: the vector differs from the joined-instruction one
    joined = minilm.encode_documents([minilm.template.format(QUERY, INSTRUCTION)])[0]
    assert minilm.exclusion_weight > 0 and float(vec @ joined) < 0.999
    return vec


class VectorSpy:
    """Wraps a callable and keeps the query vectors it was given (the call itself runs unchanged)."""

    def __init__(self, func):
        self.func, self.vectors = func, []

    def __call__(self, vector, *args, **kwargs):
        self.vectors.append(np.asarray(vector, dtype=np.float32))
        return self.func(vector, *args, **kwargs)


def test_chroma_embedding_function(minilm, expected):
    ef = InstructEmbeddingFunction(encoder=minilm, instruction=INSTRUCTION, exclude=EXCLUDE)
    np.testing.assert_array_equal(np.asarray(ef.embed_query([QUERY])[0]), expected)
    # and the function Chroma rebuilds from the persisted config computes the same
    rebuilt = InstructEmbeddingFunction.build_from_config(ef.get_config())
    np.testing.assert_allclose(np.asarray(rebuilt.embed_query([QUERY])[0]), expected, atol=1e-6)


def test_instruct_index_search(md_index, expected):
    spy = VectorSpy(md_index.search_by_vector)
    md_index.search_by_vector = spy
    hits = md_index.search(QUERY, instruction=INSTRUCTION, exclude=EXCLUDE, k=3)
    np.testing.assert_array_equal(spy.vectors[0], expected)
    assert len(hits) == 3


def test_langchain(minilm, md_index, expected):
    from instructret.integrations.langchain import InstructEmbeddings, InstructRetriever

    emb = InstructEmbeddings(encoder=minilm, instruction=INSTRUCTION, exclude=EXCLUDE)
    np.testing.assert_array_equal(np.asarray(emb.embed_query(QUERY), dtype=np.float32), expected)
    spy = VectorSpy(md_index.search_by_vector)
    md_index.search_by_vector = spy
    docs = InstructRetriever(index=md_index, k=2).invoke(QUERY, instruction=INSTRUCTION, exclude=EXCLUDE)
    np.testing.assert_array_equal(spy.vectors[0], expected)
    assert len(docs) == 2


def test_llama_index(minilm, md_index, expected):
    from instructret.integrations.llama_index import InstructEmbedding, InstructRetriever

    bundle = InstructEmbedding(encoder=minilm).query_bundle(QUERY, INSTRUCTION, EXCLUDE)
    np.testing.assert_array_equal(np.asarray(bundle.embedding, dtype=np.float32), expected)
    retriever = InstructRetriever.from_instruct_index(md_index, similarity_top_k=2)
    seen = []
    inner = retriever._retriever.retrieve
    retriever._retriever.retrieve = lambda b: seen.append(b) or inner(b)
    nodes = retriever.retrieve(QUERY, instruction=INSTRUCTION, exclude=EXCLUDE)
    np.testing.assert_array_equal(np.asarray(seen[0].embedding, dtype=np.float32), expected)
    assert len(nodes) == 2


def test_bench_scores_with_the_same_vectors(minilm):
    ds = load_followir(TINY)
    res = evaluate_followir(minilm, ds, show_progress=False)
    qids = ds.evaluated_query_ids
    for qid in qids:
        q = ds.queries[qid]
        for instruction, run in ((q.instruction_og, res.og_run), (q.instruction_changed, res.changed_run)):
            vec = minilm.encode_queries([q.text], instruction)[0]
            docs = list(run[qid])
            doc_vecs = minilm.encode_documents([ds.doc_text(d) for d in docs])
            np.testing.assert_allclose([run[qid][d] for d in docs], doc_vecs @ vec, atol=1e-5)
    # results.json records how each instruction was read
    assert set(res.splits) == set(qids)
    assert all({"og", "changed"} <= set(v) for v in res.splits.values())
