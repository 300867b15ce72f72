"""Helpers of the reliability tests: real CLI processes, corpora, and an outside look at what a collection holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Reads the database in a process of its own: a process that opened it earlier may hold stale state.
_REPORT = r"""
import json, sys
import chromadb
from urllib.parse import urlparse
where, name = sys.argv[1], sys.argv[2]
if where.startswith("http"):
    u = urlparse(where)
    client = chromadb.HttpClient(host=u.hostname, port=u.port)
else:
    client = chromadb.PersistentClient(path=where)
col = client.get_collection(name)
ids = sorted(col.get(include=[])["ids"])

def missing(chunk):
    try:
        got = col.get(ids=chunk, include=["embeddings"])
    except Exception:
        if len(chunk) == 1:
            return list(chunk)
        half = len(chunk) // 2
        return missing(chunk[:half]) + missing(chunk[half:])
    have = {i for i, v in zip(got["ids"], got["embeddings"]) if v is not None and len(v) > 0}
    return [i for i in chunk if i not in have]

lost = [i for s in range(0, len(ids), 100) for i in missing(ids[s:s + 100])]
whole = [i for i in ids if i not in set(lost)][:1]
dim = len(col.get(ids=whole, include=["embeddings"])["embeddings"][0]) if whole else 0
# a query over a damaged vector index can crash Chroma: only ask one when every vector is there
hits = col.query(query_embeddings=[[0.1] * dim], n_results=len(ids), include=[])["ids"][0] if ids and not lost else []
print(json.dumps({"count": col.count(), "ids": ids, "without_vector": lost, "query_hits": len(hits),
                  "metadata": col.metadata}))
"""


def env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
            "ANONYMIZED_TELEMETRY": "False"}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "instructret.cli.app", *args]


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, env=env())


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())


def finish(proc: subprocess.Popen, timeout: float = 600) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def write_corpus(path: Path, ids: range, tag: str = "") -> Path:
    """One row per id; ``tag`` changes the text, so two corpora can disagree about a shared id."""
    topics = ["terminal markdown viewer", "chess engine", "photo editor", "podcast player", "mail client"]
    with path.open("w") as fh:
        for i in ids:
            fh.write(json.dumps({"id": f"doc{i:05d}", "text": f"{topics[i % 5]} number {i} {tag}".strip(),
                                 "metadata": {"n": i, "topic": topics[i % 5]}}) + "\n")
    return path


def report(where: str | Path, collection: str) -> dict:
    """Count, ids, ids without a vector and how many a query for all of them returns, read from a new process."""
    r = subprocess.run([sys.executable, "-c", _REPORT, str(where), collection], capture_output=True, text=True,
                       timeout=300, env=env())
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def create_low_sync_collection(db: Path, name: str, encoder) -> None:
    """An instructret collection whose vector index Chroma persists every 100 writes instead of every 1000.

    Two writers lose vectors when a stale one *persists* its vector index over the other's; a low threshold
    makes that happen with a few hundred documents (without the lock, the two-process test then loses
    about 40% of the vectors).
    """
    import chromadb

    from instructret.index import InstructEmbeddingFunction

    chromadb.PersistentClient(path=str(db)).create_collection(
        name, embedding_function=InstructEmbeddingFunction(encoder=encoder),
        configuration={"hnsw": {"space": "cosine", "sync_threshold": 100}})


def assert_whole(rep: dict, ids: list[str]) -> None:
    """Every expected id is stored with its vector, and a query can reach all of them."""
    assert rep["ids"] == sorted(ids)
    assert rep["without_vector"] == []
    assert rep["count"] == len(ids) == rep["query_hits"]


_HOLD = ("import sys, time\nfrom instructret.db_lock import WriteLock\n"
         "lock = WriteLock.for_db(sys.argv[1]); lock.acquire(); print('held', flush=True); "
         "time.sleep(float(sys.argv[2])); lock.release()")


@contextmanager
def lock_held_elsewhere(db: Path, seconds: float = 60) -> Iterator[subprocess.Popen]:
    """Another process holds ``db``'s write lock for up to ``seconds`` (it is stopped when the block ends)."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def small_markdown_db(path: Path, encoder) -> Path:
    """An embedded database at ``path`` with a collection "docs" of two documents, indexed with ``encoder``."""
    from instructret.index import InstructIndex

    index = InstructIndex(encoder=encoder, collection="docs", path=path)
    index.add(["cli", "gui"], ["a terminal markdown viewer", "a desktop markdown viewer"])
    return path
