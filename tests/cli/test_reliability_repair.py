"""A rerun of `instructret index` repairs a collection whose ids are stored without their vectors, instead of
calling them unchanged. The damage is made behind the index's back the way the issue met it: a plain Chroma
client that opened the database before an `index` run wrote re-saves its stale vector index afterwards."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.cli.reliability_helpers import (
    assert_whole,
    create_low_sync_collection,
    env,
    report,
    run_cli,
    write_corpus,
)

# Opens the collection before an `index` run writes, then adds rows of its own (ids 400-599, random unit
# vectors): Chroma re-saves the vector index from this client's stale, earlier state.
STALE_WRITER = r"""
import json, sys
import chromadb
import numpy as np
col = chromadb.PersistentClient(path=sys.argv[1]).get_collection(sys.argv[2])
col.count()
rows = [json.loads(line) for line in open(sys.argv[3])]
print("opened", flush=True)
sys.stdin.readline()
vectors = np.random.default_rng(0).normal(size=(len(rows), 384)).astype("float32")
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
for s in range(0, len(rows), 100):
    col.upsert(ids=[r["id"] for r in rows[s:s + 100]], embeddings=vectors[s:s + 100],
               documents=[r["text"] for r in rows[s:s + 100]], metadatas=[r["metadata"] for r in rows[s:s + 100]])
print("written", flush=True)
"""


def _ids(r: range) -> list[str]:
    return [f"doc{i:05d}" for i in r]


@pytest.mark.slow
def test_rerun_repairs_ids_without_vectors(tmp_path, minilm):
    db = tmp_path / "db"
    create_low_sync_collection(db, "docs", minilm)
    a = write_corpus(tmp_path / "a.jsonl", range(0, 100))
    b = write_corpus(tmp_path / "b.jsonl", range(100, 400))
    r = run_cli("index", str(a), "-c", "docs", "--db", str(db), "--batch-size", "100")
    assert r.returncode == 0, r.stderr

    c = write_corpus(tmp_path / "c.jsonl", range(400, 600))
    stale = subprocess.Popen([sys.executable, "-c", STALE_WRITER, str(db), "docs", str(c)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env())
    assert stale.stdout.readline().strip() == "opened"
    r = run_cli("index", str(b), "-c", "docs", "--db", str(db), "--batch-size", "100")
    assert r.returncode == 0, r.stderr
    stale.stdin.write("go\n")
    stale.stdin.flush()
    assert stale.stdout.readline().strip() == "written"
    stale.wait(timeout=60)

    damaged = report(db, "docs")
    assert damaged["count"] == 600
    assert damaged["without_vector"], "the stale writer was expected to drop vectors"
    lost = set(damaged["without_vector"])

    repaired = 0
    for corpus in (a, b):
        r = run_cli("index", str(corpus), "-c", "docs", "--db", str(db), "--batch-size", "100")
        assert r.returncode == 0, r.stderr
        summary = r.stdout.splitlines()[-1]
        assert "0 added, 0 updated" in summary, summary
        found = re.search(r"(\d+) repaired", summary)
        repaired += int(found.group(1)) if found else 0
    assert repaired == len(lost)
    assert_whole(report(db, "docs"), _ids(range(0, 600)))

    # and once whole, a rerun has nothing left to do
    r = run_cli("index", str(b), "-c", "docs", "--db", str(db))
    assert "0 added, 0 updated, 300 unchanged;" in r.stdout


@pytest.mark.parametrize("got_as_far_as_delete", [True, False])
def test_interrupted_repair_is_finished_or_dropped(tmp_path, minilm, got_as_far_as_delete):
    import chromadb

    from instructret.bulk import REBUILD_SUFFIX, index_corpus
    from instructret.index import InstructEmbeddingFunction, InstructIndex

    db = tmp_path / "db"
    corpus = write_corpus(tmp_path / "a.jsonl", range(0, 20))
    client = chromadb.PersistentClient(path=str(db))
    ef = InstructEmbeddingFunction(encoder=minilm)
    rebuilt = client.create_collection("docs" + REBUILD_SUFFIX, embedding_function=ef,
                                       configuration={"hnsw": {"space": "cosine"}})
    rebuilt.add(ids=_ids(range(0, 10)), documents=[f"text {i}" for i in range(10)])
    if not got_as_far_as_delete:  # the damaged original is still there: the partial copy is dropped
        client.create_collection("docs", embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}).add(
            ids=["old"], documents=["an old document"])
    index = InstructIndex(encoder=minilm, collection="docs", client=client)
    stats = index_corpus(index, corpus)
    names = sorted(c.name for c in client.list_collections())
    assert names == ["docs"]
    stored = set(index.collection.get(include=[])["ids"])
    assert stored >= set(_ids(range(0, 20)))
    assert ("old" in stored) is (not got_as_far_as_delete)
    # the adopted copy held ten of the file's ids, with other text: they are updated, the rest added
    assert (stats.added, stats.updated) == ((10, 10) if got_as_far_as_delete else (20, 0))
