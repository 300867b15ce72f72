"""The write lock of an embedded database: one writer at a time, a busy error naming the holder's pid,
an optional wait, re-entrance within a process, and readers never blocked."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from instructret.db_lock import LOCK_FILE, DbBusyError, WriteLock, db_generation, held_by_other, write_lock

HOLD = """
import sys, time
from instructret.db_lock import WriteLock
lock = WriteLock.for_db(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


def hold(db, seconds: float) -> subprocess.Popen:
    """Another process that holds the lock of ``db`` for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_fails_at_once_naming_the_pid(tmp_path):
    holder = hold(tmp_path, 30)
    try:
        assert held_by_other(tmp_path)
        start = time.monotonic()
        with pytest.raises(DbBusyError, match=rf"DB is being written by another process \(pid {holder.pid}\)"):
            with write_lock(tmp_path):
                pass
        assert time.monotonic() - start < 2
    finally:
        holder.kill()
        holder.wait()


def test_waiting_writer_gets_the_lock_when_it_is_released(tmp_path):
    holder = hold(tmp_path, 1.5)
    told = []
    start = time.monotonic()
    with write_lock(tmp_path, wait=60, on_wait=told.append) as lock:
        assert lock.held
        waited = time.monotonic() - start
    holder.wait()
    assert told == [holder.pid]
    assert 0.5 < waited < 30


def test_wait_that_runs_out(tmp_path):
    holder = hold(tmp_path, 30)
    try:
        with pytest.raises(DbBusyError, match="still busy after waiting"):
            with write_lock(tmp_path, wait=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_killed_writer_leaves_no_stale_lock(tmp_path):
    holder = hold(tmp_path, 60)
    holder.kill()
    holder.wait()
    assert not held_by_other(tmp_path)
    with write_lock(tmp_path):
        pass


def test_reentrant_in_one_process_and_generation_counts_writes(tmp_path):
    assert db_generation(tmp_path) == 0
    with write_lock(tmp_path) as outer:
        with write_lock(tmp_path) as inner:  # e.g. the CLI holds it and the index writes
            assert inner is outer and outer.held
        assert outer.held
        assert not held_by_other(tmp_path)  # our own lock is not "another process"
    assert not WriteLock.for_db(tmp_path).held
    assert db_generation(tmp_path) == 2  # taken and released once
    assert (tmp_path / LOCK_FILE).read_text().split()[1] == "2"


def test_lock_file_in_unwritable_place_is_a_user_error(tmp_path):
    from instructret.errors import InstructretError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InstructretError, match="cannot create the write lock"):
        with write_lock(blocker / "db"):
            pass
