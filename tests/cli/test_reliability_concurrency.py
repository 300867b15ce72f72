"""Two writers on one database lose nothing. On an embedded --db, the second `instructret index` fails at once
naming the first one's pid, or waits for it with --wait; an `InstructIndex` that another process wrote behind
reopens before it writes; readers are never blocked. On a Chroma server (--url), two concurrent runs are the
server's to order, and every id still has its vector."""

from __future__ import annotations

import pytest

from tests.cli.reliability_helpers import (
    assert_whole,
    create_low_sync_collection,
    finish,
    lock_held_elsewhere,
    report,
    run_cli,
    small_markdown_db,
    start_cli,
    write_corpus,
)

NO_MODEL = ["--model", "/nonexistent/model-dir"]


def _ids(r: range) -> list[str]:
    return [f"doc{i:05d}" for i in r]


@pytest.mark.slow
def test_two_index_processes_on_one_db_keep_every_vector(tmp_path, minilm):
    a = write_corpus(tmp_path / "a.jsonl", range(0, 400))
    b = write_corpus(tmp_path / "b.jsonl", range(200, 600))
    db = tmp_path / "db"
    create_low_sync_collection(db, "conc", minilm)
    first = start_cli("index", str(a), "-c", "conc", "--db", str(db), "--batch-size", "100", "--wait", "300")
    second = start_cli("index", str(b), "-c", "conc", "--db", str(db), "--batch-size", "100", "--wait", "300")
    r1, r2 = finish(first), finish(second)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    assert "Traceback" not in r1.stderr + r2.stderr
    # one of them found the other writing and said it waits
    assert "waiting up to 300 s for another process" in r1.stderr + r2.stderr
    assert_whole(report(db, "conc"), _ids(range(0, 600)))


def test_second_writer_fails_at_once_with_the_pid(tmp_path):
    db = tmp_path / "db"
    with lock_held_elsewhere(db, 60) as holder:
        corpus = write_corpus(tmp_path / "c.jsonl", range(3))
        r = run_cli("index", str(corpus), "-c", "conc", "--db", str(db), *NO_MODEL)
        err = " ".join(r.stderr.split())
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert err.startswith(f"error: DB is being written by another process (pid {holder.pid})"), err
        assert "--wait" in err  # says how to wait instead
        assert not (db / "chroma.sqlite3").exists()  # refused before the database was opened

        r = run_cli("index", str(corpus), "-c", "conc", "--db", str(db), "--wait", "1", *NO_MODEL)
        assert r.returncode == 2
        assert f"waiting up to 1 s for another process (pid {holder.pid})" in r.stderr
        assert "still busy after waiting" in r.stderr


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, minilm):
    return small_markdown_db(tmp_path_factory.mktemp("readers") / "db", minilm)


def test_search_is_not_blocked_by_a_writer(small_db):
    with lock_held_elsewhere(small_db, 120):
        r = run_cli("search", "markdown in a terminal", "--db", str(small_db), "-c", "docs", "-k", "1", "--json")
        assert r.returncode == 0, r.stderr
        assert '"id": "cli"' in r.stdout


def test_library_write_waits_or_fails_while_another_process_writes(small_db, minilm):
    from instructret.db_lock import DbBusyError
    from instructret.index import InstructIndex

    index = InstructIndex(encoder=minilm, collection="docs", path=small_db)
    with lock_held_elsewhere(small_db, 2) as holder:
        with pytest.raises(DbBusyError, match=f"pid {holder.pid}"):
            index.add(["x"], ["some text"])
        index.write_wait = 60
        index.add(["x"], ["some text"])  # waits for the holder, then writes
    assert_whole(report(small_db, "docs"), ["cli", "gui", "x"])


@pytest.mark.slow
def test_index_object_reopens_after_another_process_wrote(tmp_path, minilm):
    """An InstructIndex opened before a CLI run wrote would write from stale state: with the reopen switched
    off, this very sequence leaves a collection that crashes the process that reads it."""
    from instructret.index import InstructIndex

    db = tmp_path / "db"
    create_low_sync_collection(db, "conc", minilm)
    index = InstructIndex(encoder=minilm, collection="conc", path=db)
    index.add(_ids(range(0, 100)), [f"chess engine number {i}" for i in range(0, 100)])
    r = run_cli("index", str(write_corpus(tmp_path / "b.jsonl", range(100, 400))), "-c", "conc", "--db", str(db),
                "--batch-size", "100")
    assert r.returncode == 0, r.stderr
    index.add(_ids(range(400, 600)), [f"chess engine number {i}" for i in range(400, 600)])
    assert len(index) == 600
    assert_whole(report(db, "conc"), _ids(range(0, 600)))


@pytest.mark.slow
def test_two_index_runs_against_a_server_lose_nothing(tmp_path, chroma_server):
    a = write_corpus(tmp_path / "a.jsonl", range(0, 300))
    b = write_corpus(tmp_path / "b.jsonl", range(150, 450))
    first = start_cli("index", str(a), "-c", "served", "--url", chroma_server, "--batch-size", "50")
    second = start_cli("index", str(b), "-c", "served", "--url", chroma_server, "--batch-size", "50")
    r1, r2 = finish(first), finish(second)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    assert "waiting" not in r1.stderr + r2.stderr  # no lock: the server orders the writes
    assert_whole(report(chroma_server, "served"), _ids(range(0, 450)))
