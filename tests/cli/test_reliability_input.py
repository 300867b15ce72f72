"""`index` refuses what Chroma would refuse or store changed, in the validation pass: reserved metadata keys
(in ``metadata`` or as top-level fields), integers outside int64, infinities, lone surrogates. Each is a one-line
``error: FILE:LINE: field '...'`` with exit 2, before the model loads, and nothing is created. So are a bad
collection name and an empty search query; JSON errors don't say "at at"."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from instructret.bulk import scan_corpus
from instructret.errors import InputError

# A model that cannot load: if a command got as far as loading it, the error would say so instead.
NO_MODEL = ["--model", "/nonexistent/model-dir"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "instructret.cli.app", *args], capture_output=True, text=True,
                          timeout=300)


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    err = " ".join(r.stderr.split())
    assert err.startswith("error: "), r.stderr
    assert "/nonexistent/model-dir" not in err, "the model was loaded before the check"
    return err


GOOD = {"id": "ok", "text": "a valid row before the bad one", "metadata": {"n": 1}}

BAD_ROWS = [
    # (row, field named in the error, words in the message)
    ({"id": "a", "text": "t", "metadata": {"chroma:document": "x"}}, "metadata.chroma:document", "reserved"),
    ({"id": "a", "text": "t", "metadata": {"chroma:x": 1}}, "metadata.chroma:x", "reserved"),
    ({"id": "a", "text": "t", "chroma:document": "x"}, "chroma:document", "reserved"),
    ({"id": "a", "text": "t", "metadata": {"#embedding": 1}}, "metadata.#embedding", "reserved"),
    ({"id": "a", "text": "t", "metadata": {"$and": 1}}, "metadata.$and", "reserved"),
    ({"id": "a", "text": "t", "metadata": {"": 1}}, "metadata.", "empty metadata key"),
    ({"id": "a", "text": "t", "metadata": {"n": 2**70}}, "metadata.n", "64-bit"),
    ({"id": "a", "text": "t", "metadata": {"n": -(2**63) - 1}}, "metadata.n", "64-bit"),
    ({"id": "a", "text": "t", "size": 2**64}, "size", "64-bit"),
]


@pytest.mark.parametrize(("row", "field", "words"), BAD_ROWS, ids=[r[1] or "empty" for r in BAD_ROWS])
def test_refused_in_validation_pass(tmp_path, row, field, words):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(GOOD) + "\n" + json.dumps(row) + "\n")
    db = tmp_path / "db"
    r = run_cli("index", str(corpus), "--db", str(db), "-c", "docs", *NO_MODEL)
    err = one_line_error(r)
    assert f"error: {corpus}:2: field '{field}': " in err
    assert words in err
    assert not db.exists(), "nothing is created for a bad input file"


@pytest.mark.parametrize("text", ['{"id": "a", "text": "t", "metadata": {"x": 1e999}}',
                                  '{"id": "a", "text": "t", "metadata": {"x": -1e999}}'])
def test_infinity_refused(tmp_path, text):
    # JSON has no infinity, but Python reads 1e999 as one; Chroma would store it as inf
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(text + "\n")
    with pytest.raises(InputError, match=r"c.jsonl:1: field 'metadata.x': -?inf cannot be stored"):
        scan_corpus(corpus)


@pytest.mark.parametrize(("text", "field"), [
    ('{"id": "a", "text": "t", "metadata": {"x": "\\ud800"}}', "metadata.x"),
    ('{"id": "a", "text": "t", "metadata": {"\\udc00": 1}}', "metadata.\udc00"),
    ('{"id": "a", "text": "bad \\ud800 text"}', "text"),
    ('{"id": "\\ud800", "text": "t"}', "id"),
])
def test_lone_surrogates_refused(tmp_path, text, field):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(text + "\n")
    with pytest.raises(InputError, match="not valid UTF-8|unicode") as info:
        scan_corpus(corpus)
    assert info.value.field == field and info.value.line == 1


def test_int64_bounds_and_floats_accepted(tmp_path):
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": "a", "text": "t", "metadata": {"max": 2**63 - 1, "min": -(2**63), "f": 1e308, "b": True}},
            {"id": "b", "text": "t", "CHROMA:x": "only the lower-case prefix is reserved", "key:": "fine"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert scan_corpus(corpus) == 2


def test_metadata_key_overrides_top_level_field_in_errors(tmp_path):
    # the bad value is the one in "metadata" (which wins), so the error names metadata.n
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "t", "n": 1, "metadata": {"n": 2**64}}) + "\n")
    with pytest.raises(InputError, match="field 'metadata.n'"):
        scan_corpus(corpus)


def test_bad_collection_name_creates_nothing(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(GOOD) + "\n")
    db = tmp_path / "db"
    r = run_cli("index", str(corpus), "--db", str(db), "-c", "x", *NO_MODEL)
    err = one_line_error(r)
    assert "invalid collection name 'x'" in err and "3-512 characters" in err
    assert not db.exists()


def test_empty_search_query_refused(tmp_path):
    for query in ("", "   "):
        r = run_cli("search", query, "--db", str(tmp_path / "db"), *NO_MODEL)
        assert "the search query is empty" in one_line_error(r)
    assert not (tmp_path / "db").exists()


def test_json_error_says_at_once(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "text": "unterminated')  # no newline: json stops at the end of the text
    r = run_cli("index", str(corpus), "--db", str(tmp_path / "db"), *NO_MODEL)
    err = one_line_error(r)
    assert "Unterminated string starting at column" in err
    assert "at at" not in err
