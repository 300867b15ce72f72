"""Fuzzing `instructret index` rows with random metadata keys and values (in "metadata" and as top-level fields):
every row is either refused in the validation pass with the project's file:line:field error, or stored exactly
as written. Bounded: the validation runs in-process; the model loads once, for one run over every valid row."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from instructret.bulk import corpus_entry, scan_corpus
from instructret.data.jsonl import parse_json_line
from instructret.errors import InputError
from tests.cli.reliability_helpers import env, run_cli

NO_MODEL = ["--model", "/nonexistent/model-dir"]

KEYS = ["topic", "n", "a.b", "key:", "CHROMA:x", "ключ", "x" * 300, "with space", "chroma:document", "chroma:x",
        "chroma:", "#document", "#x", "$and", "$x", "", "id2", "size"]
# JSON source text of values; some are not valid for Chroma (or for instructret) on purpose
VALUES = ["0", "-1", "1", str(2**63 - 1), str(-(2**63)), str(2**63), str(-(2**63) - 1), str(2**70), "1.5", "-0.0",
          "1e308", "1e999", "-1e999", "true", "false", "null", '""', '"text"', '"\\u0000"', '"\\ud800"', '"é ✓"',
          "[]", "[1, 2]", '{"a": 1}', '"' + "y" * 2000 + '"']
JSON_KEYS = [json.dumps(k) for k in KEYS] + ['"\\udc00"']


def _row(rng: random.Random, i: int) -> str:
    """One row as JSON text (written by hand: 1e999 and lone surrogates have no Python value json.dumps writes)."""
    fields = [f'"id": "doc{i}"', f'"text": "document {i}"']
    if rng.random() < 0.8:
        pairs = [f"{rng.choice(JSON_KEYS)}: {rng.choice(VALUES)}" for _ in range(rng.randint(0, 4))]
        fields.append('"metadata": {' + ", ".join(pairs) + "}")
    for _ in range(rng.randint(0, 2)):  # top-level fields that become metadata
        key = rng.choice(JSON_KEYS)
        if key not in ('"id"', '"text"'):
            fields.append(f"{key}: {rng.choice(VALUES)}")
    return "{" + ", ".join(fields) + "}"


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    rng = random.Random(20260423)
    tmp = tmp_path_factory.mktemp("fuzz")
    valid, invalid = [], []
    for i in range(400):
        text = _row(rng, i)
        one = tmp / f"row{i}.jsonl"
        one.write_text(text + "\n", encoding="utf-8", errors="surrogatepass")
        try:
            scan_corpus(one)
        except InputError as exc:  # the project's own error, naming the file and line
            assert str(exc).startswith(f"{one}:1"), str(exc)
            invalid.append((one, str(exc)))
        else:  # anything else (a traceback) fails the test here
            valid.append(text)
    assert len(valid) > 50 and len(invalid) > 50  # both kinds were exercised
    return tmp, valid, invalid


def test_validation_never_raises_anything_else(rows):
    _, _, invalid = rows
    fields = {msg.split("field '")[1].split("'")[0] for _, msg in invalid if "field '" in msg}
    assert any(f.startswith("metadata.chroma:") for f in fields)
    assert any(not f.startswith("metadata.") for f in fields)  # a top-level field is named as such


def test_invalid_rows_exit_2_before_the_model_loads(rows):
    tmp, _, invalid = rows
    for path, msg in invalid[:6]:
        db = tmp / "nodb"
        r = run_cli("index", str(path), "--db", str(db), "-c", "fuzz", *NO_MODEL)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        assert " ".join(r.stderr.split()) == "error: " + " ".join(msg.split())
        assert not db.exists()


@pytest.mark.slow
def test_valid_rows_are_stored_exactly(rows):
    tmp, valid, _ = rows
    corpus = tmp / "valid.jsonl"
    corpus.write_text("\n".join(valid) + "\n", encoding="utf-8")
    db = tmp / "db"
    r = run_cli("index", str(corpus), "--db", str(db), "-c", "fuzz")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    expected = {}
    for line, text in enumerate(valid, start=1):
        entry = corpus_entry(parse_json_line(text, corpus, line), corpus, line)
        expected[entry.id] = entry.metadata or None
    read = subprocess.run(
        [sys.executable, "-c", "import json, sys, chromadb\n"
         "g = chromadb.PersistentClient(path=sys.argv[1]).get_collection('fuzz').get(include=['metadatas'])\n"
         "print(json.dumps(dict(zip(g['ids'], g['metadatas']))))", str(db)],
        capture_output=True, text=True, env=env(), timeout=120)
    stored = json.loads(read.stdout)
    assert stored.keys() == expected.keys()
    for doc_id, meta in expected.items():
        got = stored[doc_id]
        assert got == meta, doc_id
        for key, value in (meta or {}).items():  # same types too: no int stored as a float
            assert type(got[key]) is type(value), (doc_id, key)
