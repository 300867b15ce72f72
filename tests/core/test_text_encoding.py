"""Input files must be UTF-8 (a BOM is fine); anything else is a one-line error naming file and line."""

from __future__ import annotations

import json

import pytest

from instructret.data import JsonlAppender, iter_json_lines, read_corpus
from instructret.data.jsonl import check_output_file
from instructret.errors import InputError
from instructret.evaluation.loaders import _tsv_rows

LATIN1 = b'{"id": "a", "text": "ok"}\n{"id":"b","text":"caf\xe9"}\n'


def test_latin1_bytes_name_file_line_and_column(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(LATIN1)
    with pytest.raises(InputError) as exc:
        read_corpus(path)
    assert str(exc.value) == f"{path}:2: not valid UTF-8 (byte 0xe9 at column 22); save the file as UTF-8"
    assert "utf-8-sig" not in str(exc.value) and "codec" not in str(exc.value)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "text": "café"}, ensure_ascii=False).encode() + b"\n")
    (entry,) = read_corpus(path)
    assert (entry.id, entry.text) == ("a", "café")
    # only at the very start: a BOM later in the file is data, and not JSON
    path.write_bytes(b'{"id": "a", "text": "x"}\n\xef\xbb\xbf{"id": "b", "text": "y"}\n')
    with pytest.raises(InputError, match=r"bom.jsonl:2: not valid JSON"):
        read_corpus(path)


def test_crlf_line_endings_and_blank_lines_read_as_before(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x"}\r\n\r\n{"id": "b", "text": "y"}\r\n')
    assert [line for line, _ in iter_json_lines(path)] == [1, 3]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"n": ' + "9" * 5000 + "}", "Exceeds the limit"),
        ('{"n": NaN}', "NaN is not allowed in JSON"),
        ('{"n": -Infinity}', "-Infinity is not allowed in JSON"),
    ],
)
def test_json_that_python_would_choke_on_is_an_input_error(tmp_path, line, message):
    path = tmp_path / "odd.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(InputError, match=rf"odd.jsonl:1: not valid JSON \(.*{message}"):
        list(iter_json_lines(path))


def test_tsv_tables_are_decoded_per_line(tmp_path):
    path = tmp_path / "corpus.tsv"
    path.write_bytes(b"\xef\xbb\xbf_id\ttext\na\tfine\nb\tcaf\xe9\n")
    rows = _tsv_rows(path)
    assert next(rows) == (str(path), 2, {"_id": "a", "text": "fine"})  # BOM gone from the header
    with pytest.raises(InputError, match=r"corpus.tsv:3: not valid UTF-8 \(byte 0xe9 at column 6\)"):
        next(rows)


def test_output_paths_must_be_files(tmp_path):
    with pytest.raises(InputError, match=rf"^{tmp_path}: is a directory; give the path of a file to write$"):
        JsonlAppender(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=rf"cannot create it: {blocker} is not a directory"):
        check_output_file(blocker / "sub" / "out.jsonl")
    assert check_output_file(tmp_path / "new" / "out.jsonl") == tmp_path / "new" / "out.jsonl"

