import json
import os

import pytest

from instructret.data import (
    DualViewPair,
    JsonlAppender,
    SeedTuple,
    iter_json_lines,
    read_corpus,
    read_records,
    repair_partial_tail,
)
from instructret.errors import InputError


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_corpus_errors_name_file_line_field(tmp_path):
    p = write(tmp_path / "c.jsonl", ['{"id": "a", "text": "x"}', '{"id": "b"}'])
    with pytest.raises(InputError) as e:
        read_corpus(p)
    assert str(e.value) == f"{p}:2: field 'text': required field is missing"

    p = write(tmp_path / "bad.jsonl", ['{"id": "a", "text": "x"}', "{not json"])
    with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):
        read_corpus(p)

    p = write(tmp_path / "dup.jsonl", ['{"id": "a", "text": "x"}', '{"id": "a", "text": "y"}'])
    with pytest.raises(InputError, match=r"dup.jsonl:2: field 'id': duplicate id 'a' \(first on line 1\)"):
        read_corpus(p)

    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(InputError, match="empty.jsonl: file is empty"):
        read_corpus(tmp_path / "empty.jsonl")
    with pytest.raises(InputError, match="missing.jsonl: file not found"):
        read_corpus(tmp_path / "missing.jsonl")
    p = write(tmp_path / "arr.jsonl", ["[1, 2]"])
    with pytest.raises(InputError, match="arr.jsonl:1: expected a JSON object, got list"):
        read_corpus(p)


def test_corpus_full_text_is_title_space_text(tmp_path):
    p = write(tmp_path / "c.jsonl", ['{"id": 7, "title": "T", "text": "body", "metadata": {"k": "v"}}'])
    (entry,) = read_corpus(p)
    assert (entry.id, entry.full_text, entry.metadata) == ("7", "T body", {"k": "v"})


def test_seed_reads_promptriever_format(tmp_path):
    row = {
        "query": "q",
        "instruction": "i",
        "positive_passages": [{"docid": "p1", "title": "T", "text": "pos"}],
        "negative_passages": [{"docid": "n1", "title": "", "text": "neg"}],
        "extra": 1,
    }
    (seed,) = read_records(write(tmp_path / "s.jsonl", [json.dumps(row)]), SeedTuple)
    assert seed.positive.id == "p1" and seed.positive.text == "T pos"
    assert [n.id for n in seed.negatives] == ["n1"] and seed.negatives[0].text == "neg"
    assert seed.model_extra == {"extra": 1}


def test_seed_without_negatives_is_an_error(tmp_path):
    row = {"query": "q", "positive": {"id": "p", "text": "t"}, "negatives": []}
    with pytest.raises(InputError, match=r"s.jsonl:1: field 'negatives': "):
        read_records(write(tmp_path / "s.jsonl", [json.dumps(row)]), SeedTuple)


def test_dual_view_nested_field_path(tmp_path):
    row = {"query": "q", "instruction": "a", "instruction_reversed": "b",
           "positive": {"id": "p", "text": "t"}, "negative": {"id": "n"}}
    with pytest.raises(InputError, match=r"d.jsonl:1: field 'negative.text': required field is missing"):
        read_records(write(tmp_path / "d.jsonl", [json.dumps(row)]), DualViewPair)


def test_appender_repairs_partial_last_line(tmp_path):
    p = tmp_path / "out.jsonl"
    with JsonlAppender(p) as out:
        out.write({"n": 1})
        out.write({"n": 2})
    with p.open("a") as fh:  # what a crash mid-write leaves behind
        fh.write('{"n": 3, "trunc')
    assert repair_partial_tail(p) == len('{"n": 3, "trunc')
    with JsonlAppender(p) as out:
        out.write({"n": 3})
    assert [obj["n"] for _, obj in iter_json_lines(p)] == [1, 2, 3]
    assert repair_partial_tail(p) == 0
    os.truncate(p, 0)
    assert repair_partial_tail(p) == 0
