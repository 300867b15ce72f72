import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from instructret.cli.app import app

runner = CliRunner()


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


CORPUS = [
    {"id": "gui", "title": "mdview", "text": "a graphical desktop application to view Markdown files",
     "metadata": {"interface": "gui"}},
    {"id": "cli", "title": "mdview-cli", "text": "a command-line program to view Markdown files in the terminal",
     "metadata": {"interface": "cli"}},
    {"id": "chess", "text": "stockfish: a strong chess engine"},
]


def test_index_then_search_json(tmp_path):
    corpus = write(tmp_path / "c.jsonl", CORPUS)
    db = str(tmp_path / "db")
    r = runner.invoke(app, ["index", str(corpus), "--collection", "docs", "--db", db])
    assert r.exit_code == 0, r.output
    assert "indexed 3 documents" in r.output
    r = runner.invoke(app, ["search", "markdown viewer", "-i", "command-line terminal program", "-k", "2",
                            "--collection", "docs", "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [row["id"] for row in rows] == ["cli", "gui"]
    assert rows[0]["rank"] == 1 and rows[0]["score"] > rows[1]["score"]
    assert rows[0]["metadata"] == {"interface": "cli"}
    r = runner.invoke(app, ["search", "markdown viewer", "--collection", "docs", "--db", db,
                            "--where", '{"interface": "gui"}', "--json"])
    assert [json.loads(line)["id"] for line in r.stdout.strip().splitlines()] == ["gui"]
    r = runner.invoke(app, ["search", "markdown viewer", "--collection", "docs", "--db", db])
    assert r.exit_code == 0 and "mdview" in r.output


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([{"id": "a", "text": "x"}, "{oops"], "c.jsonl:2: not valid JSON"),
        ([{"id": "a", "text": "x"}, {"id": "b"}], "c.jsonl:2: field 'text': required field is missing"),
        ([], "c.jsonl: file is empty"),
        ([{"id": "a", "text": "x", "metadata": {"k": [1]}}], "c.jsonl:1: field 'metadata.k"),
    ],
)
def test_bad_input_is_one_line_error(tmp_path, rows, expected):
    corpus = write(tmp_path / "c.jsonl", rows)
    r = subprocess.run([sys.executable, "-m", "instructret.cli.app", "index", str(corpus), "--db",
                        str(tmp_path / "db")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    assert expected in err and err.startswith("error:")


def test_missing_file_and_empty_collection(tmp_path, minilm):
    from instructret.index import InstructIndex

    r = runner.invoke(app, ["index", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "db")])
    assert r.exit_code == 2 and "nope.jsonl: file not found" in " ".join(r.output.split())
    InstructIndex(encoder=minilm, collection="empty", path=tmp_path / "db")  # exists, holds nothing
    r = runner.invoke(app, ["search", "x", "--collection", "empty", "--db", str(tmp_path / "db")])
    assert r.exit_code == 2 and "collection 'empty' is empty" in r.output
    r = runner.invoke(app, ["search", "x", "--db", str(tmp_path / "db"), "--where", "[1]"])
    assert r.exit_code == 2


def test_help_everywhere():
    for args in (["--help"], ["index", "--help"], ["search", "--help"], ["quickstart", "--help"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0 and "Usage" in r.output
