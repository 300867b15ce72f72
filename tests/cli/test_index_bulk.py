"""Bulk indexing: `_id` corpora with extra fields, resume and update, and a real kill-and-rerun."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import chromadb
import numpy as np
import pytest
from typer.testing import CliRunner

from instructret.bulk import corpus_entry, index_corpus, scan_corpus
from instructret.cli.app import app
from instructret.errors import InputError
from instructret.index import InstructIndex

runner = CliRunner()


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


DEBIAN = [  # the shape of ../shared/data/build_debian_corpus.py output
    {"_id": "mdcat", "title": "mdcat: cat for Markdown", "text": "renders Markdown in the terminal",
     "section": "text", "tags": "interface::commandline, works-with::text"},
    {"_id": "ghostwriter", "title": "ghostwriter: Markdown editor", "text": "a distraction-free editor",
     "section": "editors", "tags": "interface::x11, uitoolkit::qt"},
    {"_id": "stockfish", "title": "stockfish: chess engine", "text": "a strong UCI chess engine",
     "section": "games", "tags": ""},
]


def test_underscore_id_and_extra_scalars_become_metadata(tmp_path):
    corpus = write(tmp_path / "deb.jsonl", DEBIAN)
    db = str(tmp_path / "db")
    r = runner.invoke(app, ["index", str(corpus), "-c", "deb", "--db", db])
    assert r.exit_code == 0, r.output
    assert "indexed 3 documents" in r.output and "3 added" in r.output
    got = chromadb.PersistentClient(path=db).get_collection("deb").get(ids=["mdcat", "stockfish"])
    meta = dict(zip(got["ids"], got["metadatas"], strict=True))
    assert meta["mdcat"] == {"section": "text", "tags": "interface::commandline, works-with::text"}
    assert meta["stockfish"] == {"section": "games", "tags": ""}
    r = runner.invoke(app, ["search", "markdown", "-c", "deb", "--db", db, "--where", '{"section": "editors"}',
                            "--json"])
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["ghostwriter"]


def test_row_rules(tmp_path):
    p = tmp_path / "x.jsonl"
    # explicit metadata wins over a top-level field of the same name; lists and null are not metadata
    e = corpus_entry({"id": 7, "text": "t", "section": "a", "lang": "en", "tags": ["x"], "size": None,
                      "metadata": {"section": "b"}}, p, 1)
    assert e.id == "7" and e.metadata == {"section": "b", "lang": "en"}
    # "id" wins over "_id" (which is never metadata)
    assert corpus_entry({"id": "a", "_id": "b", "text": "t"}, p, 1).id == "a"
    assert corpus_entry({"id": "a", "_id": "b", "text": "t"}, p, 1).metadata is None
    with pytest.raises(InputError, match=r"x.jsonl:3: field 'id': required field is missing"):
        corpus_entry({"text": "t"}, p, 3)
    write(p, [{"_id": "a", "text": "t"}, {"_id": "b", "text": "u"}, {"_id": "a", "text": "v"}])
    with pytest.raises(InputError, match=r"x.jsonl:3: field 'id': duplicate id 'a' \(first on line 1\)"):
        scan_corpus(p)


def test_rerun_skips_unchanged_and_updates_changed(tmp_path, minilm):
    rows = [{"id": f"d{i}", "text": f"document number {i} about {w}"}
            for i, w in enumerate(["markdown", "chess", "audio", "backup", "email", "fonts", "games"])]
    corpus = write(tmp_path / "c.jsonl", rows)
    index = InstructIndex(encoder=minilm, collection="resume", path=tmp_path / "db")
    first = index_corpus(index, corpus, batch_size=3)
    assert (first.added, first.updated, first.unchanged, first.total) == (7, 0, 0, 7)
    again = index_corpus(index, corpus, batch_size=3)
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 7, 0)
    rows[2]["text"] = "document number 2 about podcasts"
    rows[4]["metadata"] = {"kind": "cli"}
    rows.append({"id": "d7", "text": "document number 7 about maps"})
    write(corpus, rows)
    third = index_corpus(index, corpus, batch_size=3)
    assert (third.added, third.updated, third.unchanged) == (1, 2, 5)
    assert len(index) == 8
    got = index.collection.get(ids=["d2", "d4"], include=["documents", "metadatas", "embeddings"])
    by_id = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
    assert by_id["d2"][0] == "document number 2 about podcasts" and by_id["d4"][1] == {"kind": "cli"}
    vec = got["embeddings"][got["ids"].index("d2")]
    np.testing.assert_allclose(vec, minilm.encode_documents(["document number 2 about podcasts"])[0], atol=1e-5)


def _corpus_rows(n):
    words = ["markdown", "chess", "audio", "backup", "email", "fonts", "games", "maps", "video", "shell"]
    return [{"_id": f"pkg{i:05d}", "title": f"pkg{i}: {words[i % 10]} tool",
             "text": f"a {words[(i * 7) % 10]} program for {words[(i * 3) % 10]} users, release {i}",
             "section": words[i % 10]} for i in range(n)]


def _index_cmd(corpus, db):
    return [sys.executable, "-m", "instructret.cli.app", "index", str(corpus), "-c", "bulk", "--db", str(db),
            "--batch-size", "100"]


def _dump(db):
    got = chromadb.PersistentClient(path=str(db)).get_collection("bulk").get(
        include=["documents", "metadatas", "embeddings"])
    order = np.argsort(got["ids"])
    return ([got["ids"][i] for i in order], [got["documents"][i] for i in order],
            [got["metadatas"][i] for i in order], np.asarray(got["embeddings"])[order])


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_equals_uninterrupted_run(tmp_path):
    n = 2000
    corpus = write(tmp_path / "corpus.jsonl", _corpus_rows(n))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    full = subprocess.run(_index_cmd(corpus, tmp_path / "full"), capture_output=True, text=True, env=env,
                          timeout=900)
    assert full.returncode == 0, full.stderr

    proc = subprocess.Popen(_index_cmd(corpus, tmp_path / "killed"), stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    deadline = time.monotonic() + 600
    for line in proc.stderr:  # without a terminal the command logs one line per batch
        seen.append(line)
        if line.startswith("indexing: 800/") or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stderr.close()
    assert any(s.startswith(f"indexing: 800/{n}") for s in seen), seen[-3:]
    # Counted from another process: this one must not hold the database open while the rerun writes to it
    # (Chroma caches an open database per process).
    count = "import chromadb, sys; print(chromadb.PersistentClient(path=sys.argv[1]).get_collection('bulk').count())"
    stored = int(subprocess.run([sys.executable, "-c", count, str(tmp_path / "killed")], capture_output=True,
                                text=True, check=True, timeout=120).stdout)
    assert 800 <= stored < n  # killed mid-run: the finished batches are kept, the rest is not there

    rerun = subprocess.run(_index_cmd(corpus, tmp_path / "killed"), capture_output=True, text=True, env=env,
                           timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n - stored} added, 0 updated, {stored} unchanged; {n} in total" in " ".join(rerun.stdout.split())

    ids, docs, metas, vecs = _dump(tmp_path / "killed")
    ref_ids, ref_docs, ref_metas, ref_vecs = _dump(tmp_path / "full")
    assert len(ids) == len(set(ids)) == n  # each id exactly once
    assert ids == ref_ids and docs == ref_docs and metas == ref_metas
    np.testing.assert_allclose(vecs, ref_vecs, atol=1e-5)
