"""`index` and `search`: bad --where, --db, --url, -k and collections are one-line errors (exit 2, no traceback),
checked before the model loads, and `search` never creates anything."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

# A model that cannot load: if the command got as far as loading it, the error would say so instead.
NO_MODEL = ["--model", "/nonexistent/model-dir"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "instructret.cli.app", *args], capture_output=True, text=True,
                          timeout=300)


def assert_one_line_error(r: subprocess.CompletedProcess, expected: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    err = " ".join(r.stderr.split())
    assert err.startswith("error: ") and expected in err, r.stderr
    assert "model" not in err or "model" in expected


@pytest.fixture(scope="module")
def db(tmp_path_factory, minilm):
    from instructret.index import InstructIndex

    path = tmp_path_factory.mktemp("search") / "db"
    index = InstructIndex(encoder=minilm, collection="docs", path=path)
    index.add(["cli", "gui"], ["a terminal markdown viewer", "a desktop markdown viewer"],
              [{"interface": "cli"}, {"interface": "gui"}])
    return path


def _collections(path) -> list[str]:
    import chromadb

    return sorted(c.name for c in chromadb.PersistentClient(path=str(path)).list_collections())


def test_bad_where_operator(db):
    r = run_cli("search", "viewer", "--db", str(db), "-c", "docs", "--where", '{"x": {"$bogus": 1}}', *NO_MODEL)
    assert_one_line_error(r, 'invalid where filter {"x": {"$bogus": 1}}: Expected where operator to be one of')
    assert "got $bogus" in r.stderr


@pytest.mark.parametrize("command", ["index", "search"])
def test_db_naming_a_regular_file(tmp_path, command):
    some_file = tmp_path / "some_file"
    some_file.write_text("not a database")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    first = str(corpus) if command == "index" else "query"
    r = run_cli(command, first, "--db", str(some_file), *NO_MODEL)
    assert_one_line_error(r, f"{some_file}: not a directory (a Chroma database is a directory)")
    assert some_file.read_text() == "not a database"


def test_search_creates_no_collection_and_no_directory(tmp_path, db):
    r = run_cli("search", "viewer", "-c", "nosuchcoll", "--db", str(db), *NO_MODEL)
    assert_one_line_error(r, "collection 'nosuchcoll' does not exist (collections here: 'docs')")
    assert _collections(db) == ["docs"]
    newdir = tmp_path / "newdir"
    r = run_cli("search", "viewer", "--db", str(newdir), *NO_MODEL)
    assert_one_line_error(r, f"{newdir}: no such directory; index documents into it first")
    assert not newdir.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-k", "0"], "k must be at least 1, got 0"),
        (["--where", "[1]"], "where filter must be a JSON object"),
        (["--url", "localhost:8000"], "invalid Chroma server URL 'localhost:8000'"),
        (["--url", "http://127.0.0.1:abc"], "invalid Chroma server URL 'http://127.0.0.1:abc'"),
    ],
)
def test_flags_are_checked_before_the_model_loads(db, args, expected):
    extra = [] if "--url" in args else ["--db", str(db)]
    r = run_cli("search", "viewer", "-c", "docs", *extra, *args, *NO_MODEL)
    assert_one_line_error(r, expected)


def test_a_closed_chroma_port_names_the_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    r = run_cli("search", "viewer", "--url", url, *NO_MODEL)
    assert_one_line_error(r, f"cannot reach the Chroma server at {url}")


@pytest.mark.slow
def test_collection_name_rules_keep_their_character_set(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    r = run_cli("index", str(corpus), "-c", "a", "--db", str(tmp_path / "db"))
    # rich used to read "[a-zA-Z0-9._-]" as markup and print an empty pair of brackets
    assert_one_line_error(r, "characters from [a-zA-Z0-9._-], starting and ending with a character in [a-zA-Z0-9]")

