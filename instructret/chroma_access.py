"""Opening Chroma without surprises: clients, collections, ``where`` filters and scores.

Everything here is cheap and loads no model, so callers (the ``index`` and ``search`` commands) check a
user's database path, server URL, filter and ``k`` first and fail in a moment with a one-line
:class:`~instructret.errors.InstructretError` instead of after the model has loaded. Opening for reading
(``create=False``) never creates a directory, a database or a collection.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api.types import validate_where

from instructret.errors import InstructretError

DEFAULT_DB = "instructret-db"

#: The file an embedded Chroma database keeps in its directory.
CHROMA_DB_FILE = "chroma.sqlite3"


def _server_client(url: str) -> chromadb.api.ClientAPI:
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:  # "http://host:abc", "http://host:99999"
        port = -1
    if parsed.scheme not in {"http", "https"} or not parsed.hostname or port == -1:
        raise InstructretError(f"invalid Chroma server URL {url!r}: expected e.g. http://127.0.0.1:8000")
    port = port or (443 if parsed.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https")
        client.heartbeat()
    except Exception as exc:  # connection errors come in many types
        raise InstructretError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    return client


def check_db_path(path: str | Path | None = None, create: bool = True) -> Path:
    """Check that ``path`` (default ``./instructret-db``) can hold an embedded Chroma database.

    Args:
        path: The database directory.
        create: True when the database may be created; False when it must already exist (for reading).

    Returns:
        The path.

    Raises:
        InstructretError: ``path`` is a file, or (with ``create=False``) holds no Chroma database.
    """
    db = Path(path or DEFAULT_DB).expanduser()
    if db.exists() and not db.is_dir():
        raise InstructretError(f"{db}: not a directory (a Chroma database is a directory)")
    if not create and not (db / CHROMA_DB_FILE).is_file():
        what = "no such directory" if not db.exists() else f"not a Chroma database (no {CHROMA_DB_FILE})"
        raise InstructretError(f"{db}: {what}; index documents into it first")
    return db


def make_client(path: str | Path | None = None, url: str | None = None, create: bool = True) -> chromadb.api.ClientAPI:
    """Open an embedded Chroma at ``path`` (default ``./instructret-db``) or a server at ``url``.

    Args:
        path: Directory of an embedded database.
        url: ``http(s)://host:port`` of a Chroma server, instead of ``path``.
        create: Whether an embedded database may be created; False only opens an existing one.

    Raises:
        InstructretError: If both are given, the path is a file or (``create=False``) holds no database, the
            URL is malformed, or the server does not answer.
    """
    if path is not None and url is not None:
        raise InstructretError("give either a database path or a server URL, not both")
    if url is not None:
        return _server_client(url)
    db = check_db_path(path, create)
    try:
        return chromadb.PersistentClient(path=str(db))
    except Exception as exc:  # permissions, a damaged database, ...: Chroma raises many types
        raise InstructretError(f"cannot open the Chroma database at {db}: {exc}") from exc


def collection_names(client: chromadb.api.ClientAPI) -> list[str]:
    """Names of the collections in a database, sorted (no embedding function is built)."""
    return sorted(c.name for c in client.list_collections())


def require_collection(client: chromadb.api.ClientAPI, name: str) -> None:
    """Check that collection ``name`` exists, without opening it (and so without loading its model).

    Raises:
        InstructretError: Naming the collections that do exist.
    """
    names = collection_names(client)
    if name not in names:
        have = ", ".join(repr(n) for n in names) if names else "none"
        raise InstructretError(f"collection {name!r} does not exist (collections here: {have})")


_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]")


def check_collection_name(name: str) -> str:
    """Check a collection name with Chroma's rules, before anything is opened, created or loaded.

    Raises:
        InstructretError: The name is not 3-512 characters of ``[a-zA-Z0-9._-]`` starting and ending with a
            letter or digit, holds ``..``, or is an IPv4 address.
    """
    problem = None
    if not _NAME_RE.fullmatch(name or ""):
        # Chroma's own wording
        problem = "expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a " \
                  "character in [a-zA-Z0-9]"
    elif ".." in name:
        problem = "two consecutive periods are not allowed"
    else:
        try:
            ipaddress.IPv4Address(name)
            problem = "an IPv4 address is not allowed"
        except ValueError:
            pass
    if problem:
        raise InstructretError(f"invalid collection name {name!r}: {problem}")
    return name


def check_query(query: str) -> str:
    """Check a search query.

    Raises:
        InstructretError: The query is empty or only whitespace.
    """
    if not query or not query.strip():
        raise InstructretError("the search query is empty; give the words to search for")
    return query


def check_k(k: int) -> int:
    """Check a number of results.

    Raises:
        InstructretError: If ``k`` is below 1.
    """
    if k < 1:
        raise InstructretError(f"k must be at least 1, got {k}")
    return k


def check_where(where: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Validate a Chroma metadata filter with Chroma's own rules; an empty filter means none.

    Raises:
        InstructretError: With Chroma's reason, e.g. an unknown operator such as ``$bogus``.
    """
    if not where:
        return None
    where = dict(where)
    try:
        validate_where(where)
    except (ValueError, TypeError) as exc:
        raise InstructretError(f"invalid where filter {json.dumps(where, default=str)}: {exc}") from None
    return where


def parse_where(text: str | None) -> dict[str, Any] | None:
    """Parse and validate a where filter given as JSON text (``'{"interface": "cli"}'``); None for none.

    Raises:
        InstructretError: If the text is not a JSON object or not a valid Chroma filter.
    """
    if text is None or not text.strip():
        return None
    try:
        where = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InstructretError(f"where filter is not valid JSON: {exc}") from None
    if not isinstance(where, dict):
        raise InstructretError("where filter must be a JSON object, e.g. '{\"interface\": \"cli\"}'")
    return check_where(where)


def collection_space(collection: Any) -> str:
    """The distance space a collection was created with (``cosine``, ``ip`` or ``l2``; Chroma's default is l2)."""
    # The raw JSON: reading ``configuration`` would rebuild (and so load the model of) the persisted embedding
    # function.
    config = getattr(collection, "configuration_json", None)
    if not isinstance(config, Mapping):
        config = getattr(collection, "configuration", None) or {}
    for index in ("hnsw", "spann"):
        space = (config.get(index) or {}).get("space")
        if space:
            return str(space)
    return "l2"


def score_from_distance(distance: float, space: str) -> float:
    """Turn a Chroma distance into a similarity, higher is better.

    Chroma defines cosine distance as ``1 - cos`` and inner-product distance as ``1 - dot``, so the score
    is ``1 - distance`` in both. Its l2 distance is the *squared* Euclidean distance, which for unit
    vectors (every instructret embedding) is ``2 - 2 cos``; the score is then ``1 - distance / 2``, so a
    hit scores the same cosine similarity whatever space its collection uses.
    """
    if space == "l2":
        return 1.0 - distance / 2.0
    return 1.0 - distance
