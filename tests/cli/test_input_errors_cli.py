"""Bad input files and output paths end in one `error:` line and exit 2 from every command, never a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

LATIN1_ROW = b'{"id":"a","text":"caf\xe9"}\n'
SEED = {"query": "q", "instruction": "i", "positive": {"id": "p", "text": "pos"},
        "negatives": [{"id": "n", "text": "neg"}]}


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "instructret.cli.app", *args], capture_output=True, text=True,
                          timeout=timeout)


def assert_one_line_error(r: subprocess.CompletedProcess, expected: str) -> None:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    err = " ".join(r.stderr.split())  # rich may wrap a long line
    assert err.startswith("error: ") and expected in err, r.stderr
    assert len(lines) <= 3, r.stderr  # one message, wrapped at most by the terminal width


@pytest.mark.parametrize("command", ["index", "synth", "train"])
def test_latin1_input_names_file_and_line(tmp_path, command):
    bad = tmp_path / "latin.jsonl"
    bad.write_bytes(b"\n" + LATIN1_ROW)  # line 2: after a blank line, so the line number is checked too
    extra = {
        "index": ["--db", str(tmp_path / "db")],
        "synth": ["--out", str(tmp_path / "pairs.jsonl"), "--base-url", closed_port_url(), "--model", "m"],
        "train": ["-o", str(tmp_path / "model")],
    }[command]
    r = run_cli(command, str(bad), *extra)
    assert_one_line_error(r, f"{bad}:2: not valid UTF-8 (byte 0xe9 at column 22); save the file as UTF-8")
    assert not (tmp_path / "db").exists() and not (tmp_path / "model").exists()


def test_synth_out_naming_a_directory(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps(SEED) + "\n")
    outdir = tmp_path / "outdir"
    outdir.mkdir()
    r = run_cli("synth", str(seeds), "--out", str(outdir), "--base-url", closed_port_url(), "--model", "m")
    assert_one_line_error(r, f"{outdir}: is a directory; give the path of a file to write")
    assert list(outdir.iterdir()) == []
