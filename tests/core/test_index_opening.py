"""Hit scores in every Chroma space, delete, read-only opening and filter checks, on real collections."""

from __future__ import annotations

import chromadb
import numpy as np
import pytest

from instructret.chroma_access import check_where, parse_where, score_from_distance
from instructret.errors import InstructretError
from instructret.index import InstructEmbeddingFunction, InstructIndex

DOCS = {
    "gui": "mdview: a graphical desktop application to view Markdown files with a preview window",
    "cli": "mdview-cli: a command-line program to view Markdown files in the terminal",
    "chess": "stockfish: a strong chess engine speaking the UCI protocol",
    "tar": "tar: an archiving utility that stores many files in one archive",
}


def _ef(encoder) -> InstructEmbeddingFunction:
    # the same embedding-function config InstructIndex persists, so reopening the collection agrees with it
    ref = str(encoder.model_path) if encoder.model_path else encoder.model_name
    return InstructEmbeddingFunction(model=ref, encoder=encoder, template=encoder.template.template)


@pytest.mark.parametrize("space", ["cosine", "ip", "l2"])
def test_scores_are_cosine_similarity_in_every_space(tmp_path, minilm, space):
    client = chromadb.PersistentClient(path=str(tmp_path / "db"))
    client.create_collection("docs", embedding_function=_ef(minilm), configuration={"hnsw": {"space": space}})
    index = InstructIndex(encoder=minilm, collection="docs", client=client)
    assert index.space == space  # an existing collection keeps its space; the score follows it
    index.add(list(DOCS), list(DOCS.values()))
    hits = index.search("markdown viewer", instruction="command-line terminal program", k=4)
    q = minilm.encode_queries(["markdown viewer"], "command-line terminal program")[0]
    d = minilm.encode_documents(list(DOCS.values()))
    cosine = dict(zip(DOCS, (d @ q).tolist(), strict=True))
    assert [h.id for h in hits] == sorted(cosine, key=cosine.get, reverse=True)
    for hit in hits:
        assert hit.score == pytest.approx(cosine[hit.id], abs=1e-4)
    assert hits[-1].score < 0.5 < hits[0].score


def test_score_from_distance_matches_chromas_definitions():
    a, b = np.array([0.6, 0.8]), np.array([1.0, 0.0])
    cos = float(a @ b)
    assert score_from_distance(1 - cos, "cosine") == pytest.approx(cos)
    assert score_from_distance(1 - cos, "ip") == pytest.approx(cos)
    assert score_from_distance(float(np.sum((a - b) ** 2)), "l2") == pytest.approx(cos)  # squared L2


def test_delete_removes_documents_and_ignores_unknown_ids(tmp_path, minilm):
    index = InstructIndex(encoder=minilm, collection="docs", path=tmp_path / "db")
    index.add(list(DOCS), list(DOCS.values()))
    index.delete(["cli", "no-such-id"])
    index.delete([])
    assert len(index) == 3
    hits = index.search("markdown viewer", instruction="command-line terminal program", k=4)
    assert [h.id for h in hits if h.id.startswith(("cli", "gui"))] == ["gui"]
    reopened = InstructIndex(encoder=minilm, collection="docs", path=tmp_path / "db", create=False)
    assert len(reopened) == 3


def test_read_only_opening_creates_nothing(tmp_path, minilm):
    absent = tmp_path / "absent"
    with pytest.raises(InstructretError, match=r"absent: no such directory; index documents into it first"):
        InstructIndex(encoder=minilm, collection="docs", path=absent, create=False)
    assert not absent.exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InstructretError, match=r"plain: not a Chroma database \(no chroma.sqlite3\)"):
        InstructIndex(encoder=minilm, collection="docs", path=plain, create=False)
    assert list(plain.iterdir()) == []

    InstructIndex(encoder=minilm, collection="docs", path=tmp_path / "db").add(["a"], ["text"])
    with pytest.raises(InstructretError, match=r"collection 'other' does not exist \(collections here: 'docs'\)"):
        InstructIndex(encoder=minilm, collection="other", path=tmp_path / "db", create=False)
    names = [c.name for c in chromadb.PersistentClient(path=str(tmp_path / "db")).list_collections()]
    assert names == ["docs"]


def test_a_file_is_not_a_database(tmp_path, minilm):
    db = tmp_path / "some_file"
    db.write_text("x")
    for create in (True, False):
        with pytest.raises(InstructretError, match=r"some_file: not a directory"):
            InstructIndex(encoder=minilm, collection="docs", path=db, create=create)


def test_where_filters_are_checked_by_chromas_rules(tmp_path, minilm):
    assert parse_where(None) is None and parse_where(" ") is None and parse_where("{}") is None
    assert check_where({"interface": {"$in": ["cli"]}}) == {"interface": {"$in": ["cli"]}}
    for bad, reason in [('{"x": {"$bogus": 1}}', r"got \$bogus"), ("[1]", "must be a JSON object"),
                        ("{nope", "not valid JSON"), ('{"x": [1]}', "Expected where value")]:
        with pytest.raises(InstructretError, match=reason):
            parse_where(bad)
    index = InstructIndex(encoder=minilm, collection="docs", path=tmp_path / "db")
    index.add(["a"], ["text"], [{"interface": "cli"}])
    with pytest.raises(InstructretError, match=r"invalid where filter .*\$bogus"):
        index.search("x", where={"interface": {"$bogus": 1}})
    assert [h.id for h in index.search("x", where={"interface": {"$in": ["cli"]}})] == ["a"]
