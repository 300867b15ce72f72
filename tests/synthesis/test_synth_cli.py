"""`instructret synth` and `instructret restyle`: flags reach the library; errors are one line, exit 2."""

from __future__ import annotations

import json

import pytest
from synth_helpers import read_jsonl, seed_rows, write_jsonl
from typer.testing import CliRunner

from instructret.cli.app import app

pytestmark = pytest.mark.server
runner = CliRunner()


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_TEST_KEY", "sk-cli-SENTINEL")


def args(server, *extra):
    return [
        "--base-url",
        server.base_url,
        "--model",
        "test-model",
        "--api-key-env",
        "INSTRUCTRET_TEST_KEY",
        "--timeout",
        "2",
        "--max-retries",
        "1",
        "--no-progress",
        *extra,
    ]


def test_synth_then_restyle(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(3))
    out = tmp_path / "pairs.jsonl"
    r = runner.invoke(app, ["synth", str(seeds), "--out", str(out), *args(llm_server, "--concurrency", "2")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "3 rows: done 3 · failed 0" in text and "requests" in text and "prompt +" in text
    assert "SENTINEL" not in r.output
    assert len(read_jsonl(out)) == 3

    styled = tmp_path / "styled.jsonl"
    r = runner.invoke(
        app, ["restyle", str(out), "--out", str(styled), "--styles", "short,exclusion", *args(llm_server, "--json")]
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["done"] == 3 and summary["styles"] == {"short": {"kept": 3}, "exclusion": {"kept": 3}}
    assert summary["usage"]["requests"] == 3 * 2 * 3


def test_synth_no_verify_and_custom_failures_file(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(2))
    llm_server.add_rule("alpha1", "malformed")
    fails = tmp_path / "why.jsonl"
    r = runner.invoke(
        app,
        [
            "synth",
            str(seeds),
            "--out",
            str(tmp_path / "o.jsonl"),
            "--failures",
            str(fails),
            "--no-verify",
            "--reasks",
            "0",
            *args(llm_server, "--json"),
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert (summary["done"], summary["failed"], summary["usage"]["requests"]) == (1, 1, 2)
    assert read_jsonl(fails)[0]["line"] == 2


def test_server_errors_left_exit_1_with_a_hint(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(2))
    llm_server.add_rule("alpha0", "500")
    r = runner.invoke(app, ["synth", str(seeds), "--out", str(tmp_path / "o.jsonl"), *args(llm_server)])
    assert r.exit_code == 1
    assert "rerun the same command" in " ".join(r.output.split())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["synth", "{seeds}", "--out", "{out}", "--llm", "api"], "--llm api needs --model"),
        (["synth", "{seeds}", "--out", "{out}", "--llm", "cloud"], "unknown --llm 'cloud'"),
        (
            ["synth", "{seeds}", "--out", "{out}", "--model", "m", "--base-url", "{url}", "--styles", "poem"],
            "unknown style(s) poem",
        ),
        (
            ["synth", "{seeds}", "--out", "{out}", "--model", "m", "--base-url", "{url}", "--negative", "random"],
            "unknown hard-negative strategy 'random'",
        ),
        (
            ["synth", "{seeds}", "--out", "{out}", "--model", "m", "--base-url", "{url}", "--concurrency", "0"],
            "concurrency must be at least 1",
        ),
        (
            ["synth", "{bad}", "--out", "{out}", "--model", "m", "--base-url", "{url}"],
            "bad.jsonl:2: field 'negatives': List should have at least 1 item",
        ),
        (
            ["restyle", "{seeds}", "--out", "{out}", "--model", "m", "--base-url", "{url}", "--styles", "short"],
            "seeds.jsonl:1: field 'instruction_reversed': required field is missing",
        ),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, llm_server, argv, message):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(1))
    rows = seed_rows(2)
    rows[1]["negatives"] = []
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    fill = {"seeds": str(seeds), "bad": str(bad), "out": str(tmp_path / "o.jsonl"), "url": llm_server.base_url}
    r = runner.invoke(app, [a.format(**fill) for a in argv])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())
    assert "Traceback" not in r.output
    assert llm_server.count() == 0


def test_synth_and_restyle_take_one_shared_set_of_llm_options():
    from dataclasses import fields

    from instructret.cli.synth_cmd import LLM_OPTIONS, RUN_OPTIONS
    from instructret.synthesis import LLMConfig

    assert set(LLM_OPTIONS.fields) == {f.name for f in fields(LLMConfig)}  # every setting, none re-declared
    helps = {}
    for command in ("synth", "restyle"):
        r = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert r.exit_code == 0, r.output
        helps[command] = " ".join(r.output.replace("│", " ").split())
    for flag in ("--base-url", "--model", "--api-key-env", "--concurrency", "--timeout", "--max-retries", "--reasks",
                 "--response-format", "--temperature", "--max-tokens", "--max-doc-chars", "--llm", "--failures",
                 "--no-verify", "--limit", "--no-progress", "--json"):
        assert flag in helps["synth"] and flag in helps["restyle"], flag
    assert len(RUN_OPTIONS.fields) == 6
    # the embedded model's own defaults are shown next to the API defaults, read from the library
    assert "(--llm local: 180.0) [default: 60.0]" in helps["synth"]
    assert "(--llm local: 1) [default: 4]" in helps["restyle"]
    assert "auto|json_schema|json_object|llama|none" in helps["synth"]
