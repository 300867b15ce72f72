"""One writer at a time on an embedded Chroma database: an OS file lock inside the database directory.

Chroma's embedded ``PersistentClient`` keeps part of a collection in memory and is not safe for two
processes that write to one directory: vectors are lost without an error, even when the writes take
turns but the two clients were open at the same time. So every instructret write to an embedded
database holds an exclusive ``flock`` on ``<db>/instructret-write.lock``:

* ``instructret index`` takes it *before* it opens the database and keeps it until the command ends;
* :class:`~instructret.index.InstructIndex` takes it around each write (``add``, ``delete``, bulk
  indexing) and, when another process wrote since it opened the database, reopens its client first
  (see :attr:`WriteLock.generation`);
* readers (``instructret search``) never take it and are never blocked.

A second writer fails at once with ``DB is being written by another process (pid N)``, or, given a
``wait`` in seconds, waits that long for the lock (saying so) before failing. The kernel drops the lock
when its process ends, however it ends, so a killed writer never leaves a stale lock behind. The lock is
re-entrant within a process: a write made while the same process already holds it goes straight on.
A Chroma server (``--url``) orders its clients' writes itself and takes no lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from instructret.errors import InstructretError

__all__ = ["LOCK_FILE", "DbBusyError", "WriteGuard", "WriteLock", "client_db_dir", "db_generation",
           "fresh_persistent_client", "held_by_other", "write_lock"]

#: The lock file, inside the database directory.
LOCK_FILE = "instructret-write.lock"

_POLL_S = 0.2


class DbBusyError(InstructretError):
    """Another process holds the write lock of an embedded database."""

    def __init__(self, db: Path, pid: int | None, waited: float = 0.0):
        self.db = db
        self.pid = pid
        who = f"pid {pid}" if pid else "pid unknown"
        msg = f"DB is being written by another process ({who}): {db}"
        msg += (f"; still busy after waiting {waited:g} s" if waited > 0
                else "; rerun when it is done, or pass --wait SECONDS")
        super().__init__(msg)


def _read_state(path: Path) -> tuple[int | None, int]:
    """``(pid, generation)`` recorded in a lock file; ``(None, 0)`` when absent or unreadable."""
    try:
        parts = path.read_text().split()
    except (OSError, UnicodeDecodeError):
        return None, 0
    try:
        pid = int(parts[0]) if parts else None
        generation = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None, 0
    return pid, generation


def db_generation(db: str | Path) -> int:
    """A counter that every writer bumps when it takes and when it releases the lock (0 before any write).

    A process that opened the database at generation ``g`` and later finds another number knows that
    someone else wrote in between, so its Chroma client may hold stale state.
    """
    return _read_state(Path(db) / LOCK_FILE)[1]


class WriteLock:
    """The exclusive write lock of one embedded database directory, shared by every user in this process.

    Use :func:`write_lock` rather than this class directly.

    Args:
        db: The database directory (created if missing, as Chroma would).
    """

    _registry: dict[Path, WriteLock] = {}
    _registry_lock = threading.Lock()

    def __init__(self, db: Path):
        self.db = db
        self.path = db / LOCK_FILE
        self._depth = 0
        self._fd: int | None = None
        self._mutex = threading.RLock()

    @classmethod
    def for_db(cls, db: str | Path) -> WriteLock:
        """The one lock object of ``db`` in this process."""
        key = Path(db).expanduser().resolve()
        with cls._registry_lock:
            if key not in cls._registry:
                cls._registry[key] = cls(key)
            return cls._registry[key]

    @property
    def held(self) -> bool:
        """Whether this process holds the lock now."""
        return self._depth > 0

    @property
    def generation(self) -> int:
        """The database's write generation (see :func:`db_generation`)."""
        return _read_state(self.path)[1]

    def _bump(self, fd: int) -> int:
        generation = _read_state(self.path)[1] + 1
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {generation}\n".encode(), 0)
        return generation

    def acquire(self, wait: float = 0.0, on_wait: Callable[[int | None], None] | None = None) -> None:
        """Take the lock, waiting up to ``wait`` seconds for another process to release it.

        Args:
            wait: Seconds to wait; 0 fails at once.
            on_wait: Called once, with the holder's pid, when the lock is busy and the call is going to wait.

        Raises:
            DbBusyError: Another process still holds the lock after ``wait`` seconds.
            InstructretError: The lock file cannot be created (e.g. a read-only directory).
        """
        self._mutex.acquire()
        if self._depth > 0:
            self._depth += 1
            return
        try:
            self.db.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self._mutex.release()
            raise InstructretError(f"cannot create the write lock {self.path}: {exc.strerror or exc}") from None
        start = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait:
                    os.close(fd)
                    self._mutex.release()
                    raise DbBusyError(self.db, _read_state(self.path)[0], waited if wait > 0 else 0.0) from None
                if not told and on_wait is not None:
                    on_wait(_read_state(self.path)[0])
                told = True
                time.sleep(min(_POLL_S, max(wait - waited, 0.01)))
        self._fd = fd
        self._depth = 1
        self._bump(fd)

    def release(self) -> None:
        """Give the lock back (the outermost release of this process unlocks the file)."""
        if self._depth == 0:
            raise RuntimeError("release() of a write lock that is not held")
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            try:
                self._bump(self._fd)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
                self._fd = None
        self._mutex.release()


@contextmanager
def write_lock(
    db: str | Path, wait: float = 0.0, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[WriteLock]:
    """Hold the write lock of an embedded database for the ``with`` block.

    Args:
        db: The database directory.
        wait: Seconds to wait for another writer; 0 fails at once.
        on_wait: Called with the holder's pid when the call starts to wait.

    Raises:
        DbBusyError: Another process holds the lock (after ``wait`` seconds).

    Example:
        >>> with write_lock("/tmp/db"):  # doctest: +SKIP
        ...     index.add(["a"], ["some text"])
    """
    lock = WriteLock.for_db(db)
    lock.acquire(wait, on_wait)
    try:
        yield lock
    finally:
        lock.release()


def held_by_other(db: str | Path) -> bool:
    """Whether another process holds the write lock of ``db`` right now (never blocks, takes nothing)."""
    lock = WriteLock.for_db(db)
    if lock.held:
        return False
    try:
        fd = os.open(lock.path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a shared lock taken above
    return False


def client_db_dir(client: Any) -> Path | None:
    """The directory of an embedded (persistent) Chroma client; None for a server or in-memory client."""
    try:
        settings = client.get_settings()
    except Exception:  # not a Chroma client we know
        return None
    if not getattr(settings, "is_persistent", False) or not getattr(settings, "persist_directory", None):
        return None
    api = str(getattr(settings, "chroma_api_impl", "") or "")
    if "fastapi" in api.lower():
        return None
    return Path(settings.persist_directory)


class WriteGuard:
    """What an :class:`~instructret.index.InstructIndex` needs to write safely to an embedded database.

    Created just before the index opens its Chroma client (:meth:`before_open`), it notes the database's
    write generation and whether another process was writing at that moment. Each write then runs in
    :meth:`writing`: it takes the write lock and, when another process has written since the client was
    opened, first reopens the client on a fresh Chroma system, because the open one may hold stale state
    and writing through it loses vectors. Server and in-memory clients need none of this.

    Args:
        db: The database directory, when known before the client opens (None: taken from the client).
    """

    def __init__(self, db: Path | None):
        self.db = db
        self.seen: int | None = None

    @classmethod
    def before_open(cls, path: str | Path | None, url: str | None, client: Any) -> WriteGuard:
        """Note the state of the database an index is about to open (call before creating its client)."""
        guard = cls(None)
        if client is None and url is None:
            from instructret.chroma_access import DEFAULT_DB

            guard.db = Path(path or DEFAULT_DB).expanduser()
            guard._note()
        return guard

    def _note(self) -> None:
        assert self.db is not None
        # Another process writing right now may leave this client half a write behind: reopen before writing.
        self.seen = None if held_by_other(self.db) else db_generation(self.db)

    def attach(self, client: Any) -> None:
        """Take the database directory from the opened client when it was given ready-made."""
        if self.db is None:
            self.db = client_db_dir(client)
            if self.db is not None:
                self._note()

    @contextmanager
    def writing(self, reopen: Callable[[], None], wait: float = 0.0,
                on_wait: Callable[[int | None], None] | None = None) -> Iterator[None]:
        """Hold the write lock for the block; call ``reopen()`` first if another process wrote meanwhile.

        Args:
            reopen: Reopens the index's client and collection on a fresh Chroma system.
            wait: Seconds to wait for another writer.
            on_wait: Called with the holder's pid when starting to wait.

        Raises:
            DbBusyError: Another process holds the lock after ``wait`` seconds.
        """
        if self.db is None:  # a server or in-memory client: the server orders writes itself
            yield
            return
        lock = WriteLock.for_db(self.db)
        outer = not lock.held
        lock.acquire(wait, on_wait)
        try:
            # generation now counts our own acquisition; before it, it was one less
            if outer and self.seen is not None and lock.generation - 1 != self.seen:
                reopen()
            elif outer and self.seen is None:
                reopen()
            yield
        finally:
            lock.release()
            if outer:
                self.seen = db_generation(self.db)


def fresh_persistent_client(client: Any) -> Any:
    """A new Chroma client on the same embedded database, on its own Chroma system (fresh state).

    Chroma shares one system per directory in a process; dropping it from that cache (the old client keeps
    working on the old system) makes the next client load the database as it is on disk now.
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = getattr(client, "_identifier", None)
    if identifier is not None:
        SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    return chromadb.PersistentClient(path=str(client.get_settings().persist_directory),
                                     settings=client.get_settings())
