import json
import subprocess
import sys
import textwrap

import chromadb
import pytest

from instructret.errors import InstructretError
from instructret.index import InstructEmbeddingFunction, InstructIndex

DOCS = {
    "gui": "mdview: a graphical desktop application to view Markdown files with a preview window",
    "cli": "mdview-cli: a command-line program to view Markdown files in the terminal",
    "chess": "stockfish: a strong chess engine speaking the UCI protocol",
}
META = {"gui": {"interface": "gui"}, "cli": {"interface": "cli"}, "chess": None}


def fill(index):
    ids = list(DOCS)
    index.add(ids, [DOCS[i] for i in ids], [META[i] for i in ids])


def test_instruction_reorders_and_scores_are_cosine(tmp_path, minilm):
    index = InstructIndex(encoder=minilm, collection="tst", path=tmp_path / "db")
    fill(index)
    cli = index.search("markdown viewer", instruction="command-line terminal program", k=3)
    gui = index.search("markdown viewer", instruction="graphical desktop application", k=3)
    assert [h.id for h in cli][:2] == ["cli", "gui"]
    assert [h.id for h in gui][:2] == ["gui", "cli"]
    assert cli[-1].id == "chess"
    # score = cosine similarity, computed independently
    q = minilm.encode_queries("markdown viewer", "command-line terminal program")
    d = minilm.encode_documents([DOCS["cli"]])
    assert cli[0].score == pytest.approx(float(minilm.similarity(q, d)[0, 0]), abs=1e-4)
    assert cli[0].metadata == {"interface": "cli"} and cli[0].text == DOCS["cli"]


def test_where_filter_and_bad_k(tmp_path, minilm):
    index = InstructIndex(encoder=minilm, collection="tst", path=tmp_path / "db")
    fill(index)
    hits = index.search("markdown viewer", k=3, where={"interface": "gui"})
    assert [h.id for h in hits] == ["gui"]
    with pytest.raises(InstructretError, match="k must be at least 1"):
        index.search("x", k=0)


def test_upsert_does_not_duplicate(tmp_path, minilm):
    index = InstructIndex(encoder=minilm, collection="tst", path=tmp_path / "db")
    fill(index)
    fill(index)
    assert len(index) == 3
    index.add(["chess"], ["fairymax: an xboard chess variant engine"])
    assert len(index) == 3
    assert index.search("xboard chess variants", k=1)[0].text.startswith("fairymax")
    with pytest.raises(InstructretError, match="duplicate id 'a'"):
        index.add(["a", "a"], ["x", "y"])


def test_survives_process_restart_and_rebuilds_embedding_function(tmp_path, minilm):
    db = tmp_path / "db"
    index = InstructIndex(encoder=minilm, collection="tst", path=db)
    fill(index)
    expected = [(h.id, round(h.score, 4)) for h in index.search("markdown viewer", "command-line program", k=3)]
    script = textwrap.dedent(
        f"""
        import json, chromadb
        import instructret.index  # registers the embedding function with Chroma
        from instructret.index import InstructIndex
        client = chromadb.PersistentClient(path={str(db)!r})
        col = client.get_collection("tst")  # no embedding function passed: rebuilt from persisted config
        ef = col.configuration["embedding_function"]
        by_text = col.query(query_texts=["markdown viewer"], n_results=1)["ids"][0]
        idx = InstructIndex(collection="tst", path={str(db)!r})
        hits = idx.search("markdown viewer", "command-line program", k=3)
        print(json.dumps({{"ef": type(ef).__name__, "count": col.count(), "by_text": by_text,
                          "hits": [[h.id, round(h.score, 4)] for h in hits]}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["ef"] == "InstructEmbeddingFunction"
    assert got["count"] == 3
    assert got["by_text"] in (["gui"], ["cli"])  # Chroma embedded the query text with our model
    assert [tuple(h) for h in got["hits"]] == expected


def test_query_texts_through_chroma_use_instruction(tmp_path, minilm):
    client = chromadb.PersistentClient(path=str(tmp_path / "db"))
    ef = InstructEmbeddingFunction(model="minilm", instruction="command-line terminal program", encoder=minilm)
    col = client.create_collection("raw", embedding_function=ef, configuration={"hnsw": {"space": "cosine"}})
    col.add(ids=list(DOCS), documents=list(DOCS.values()))
    res = col.query(query_texts=["markdown viewer"], n_results=2)
    assert res["ids"][0] == ["cli", "gui"]
    assert InstructEmbeddingFunction.build_from_config(ef.get_config()).get_config() == ef.get_config()


@pytest.mark.server
def test_chroma_server_mode(chroma_server, minilm):
    index = InstructIndex(encoder=minilm, collection="srv", url=chroma_server)
    fill(index)
    fill(index)
    assert len(index) == 3
    assert [h.id for h in index.search("markdown viewer", "graphical desktop application", k=2)] == ["gui", "cli"]
    again = InstructIndex(encoder=minilm, collection="srv", url=chroma_server)
    assert len(again) == 3


def test_bad_urls():
    with pytest.raises(InstructretError, match="invalid Chroma server URL"):
        InstructIndex(url="localhost:8000")
    with pytest.raises(InstructretError, match="not both"):
        InstructIndex(url="http://127.0.0.1:1", path="x")


def test_bad_collection_name_is_user_error(tmp_path, minilm):
    with pytest.raises(InstructretError, match="invalid collection name 'x'"):
        InstructIndex(encoder=minilm, collection="x", path=tmp_path / "db")
