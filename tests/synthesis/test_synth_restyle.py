"""Styles against the real HTTP test server: every style produced or recorded as failed, verified, resumable."""

from __future__ import annotations

import pytest
from synth_helpers import fast_config, read_jsonl, seed_rows, write_jsonl

from instructret.errors import InputError
from instructret.synthesis import STYLES, run_restyle, run_synthesis, view_exclusion
from tests.support.testserver import FakeOpenAIServer, default_answer

pytestmark = pytest.mark.server
ALL = ",".join(STYLES)


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_TEST_KEY", "sk-test")


def pair_rows(n):
    return [
        {
            "query": s["query"],
            "instruction": s["instruction"],
            "instruction_reversed": f"I want beta{i} programs.",
            "positive": s["positive"],
            "negative": s["negatives"][0],
            "attribute": "interface",
        }
        for i, s in enumerate(seed_rows(n))
    ]


def restyle(tmp_path, server, styles=ALL, **kw):
    kw.setdefault("progress", False)
    pairs = tmp_path / "pairs.jsonl"
    if not pairs.exists():
        write_jsonl(pairs, pair_rows(3))
    return run_restyle(pairs, tmp_path / "styled.jsonl", fast_config(server.base_url), styles, **kw)


def test_every_style_is_written_and_verified_and_a_rerun_makes_no_calls(tmp_path, llm_server):
    s = restyle(tmp_path, llm_server)
    assert s.counts.done == 3 and s.styles == {name: {"kept": 3} for name in STYLES}
    # one rewrite per style, then a judgment of each view of the rewritten pair
    n = len(STYLES)
    assert llm_server.count("restyle") == n * 3 and llm_server.count("relevance_judgment") == 2 * n * 3
    rows = read_jsonl(tmp_path / "styled.jsonl")
    for row in rows:
        i = row["query"].split()[-1]
        assert set(row["styles"]) == set(STYLES) and row["styles_failed"] == {}
        assert row["styles"]["short"] == {
            "instruction": f"Only alpha{i} tools.",
            "instruction_reversed": f"Only beta{i} tools.",
        }
        assert "not relevant" in row["styles"]["narrative"]["instruction"]
        # the input row is kept as it was, with the styles added
        assert row["attribute"] == "interface" and row["instruction_reversed"] == f"I want beta{i} programs."
        assert row["styles_verified"] is True and len(row["restyle_key"]) == 16
    llm_server.reset()
    s2 = restyle(tmp_path, llm_server)
    assert s2.counts.skipped == 3 and s2.counts.done == 0 and llm_server.count() == 0
    assert len(read_jsonl(tmp_path / "styled.jsonl")) == 3


def test_exclusion_styles_are_asked_to_convey_the_other_views_requirement(tmp_path, llm_server):
    restyle(tmp_path, llm_server, styles="exclusion,short")
    p = pair_rows(3)[0]
    prompts = {r.task: r.messages[1]["content"] for r in llm_server.log if r.query == p["query"]}
    a = view_exclusion(p["instruction"], p["instruction_reversed"], "A")
    assert a == "Not relevant: beta0 programs."
    assert a in prompts["restyle:exclusion"]
    assert view_exclusion(p["instruction"], p["instruction_reversed"], "B") in prompts["restyle:exclusion"]
    assert "Not relevant" not in prompts["restyle:short"]


def _styled(per_style):
    def answer(task, text):
        if task.startswith("restyle:") and task.split(":")[1] in per_style:
            return per_style[task.split(":")[1]](text)
        return default_answer(task, text)

    return answer


def test_failed_styles_are_recorded_per_style_and_the_row_keeps_the_rest(tmp_path):
    per_style = {
        # a narrative that never says what is not relevant
        "narrative": lambda t: {"instruction": "Documents on alpha tools.", "instruction_reversed": "On beta tools."},
        # a persona rewrite that swaps the views: the judge catches it
        "persona": lambda t: {
            "instruction": default_answer("restyle:persona", t)["instruction_reversed"],
            "instruction_reversed": default_answer("restyle:persona", t)["instruction"],
        },
        "exclusion": lambda t: "I cannot do that.",
        # a requirement-only rewrite that names what is not relevant: nothing would be left for training alone
        "requirement": lambda t: {"instruction": "Alpha tools. Beta tools are not relevant.",
                                  "instruction_reversed": "Beta tools. The tool must also be beta."},
    }
    with FakeOpenAIServer(responder=_styled(per_style)) as srv:
        s = restyle(tmp_path, srv)
    assert s.counts.done == 3 and s.counts.failed == 0
    assert s.styles == {
        "short": {"kept": 3},
        "narrative": {"failed: missing exclusion": 3},
        "persona": {"failed: verification failed": 3},
        "exclusion": {"failed: invalid answer": 3},
        "requirement": {"failed: stated exclusion": 3},
    }
    for row in read_jsonl(tmp_path / "styled.jsonl"):
        assert set(row["styles"]) == {"short"}
        assert set(row["styles_failed"]) == {"narrative", "persona", "exclusion", "requirement"}
        assert "view A (persona)" in row["styles_failed"]["persona"]
    fails = read_jsonl(tmp_path / "styled.jsonl.failures.jsonl")
    assert len(fails) == 12 and all(f["final"] and f["stage"] == "style" for f in fails)
    assert {f["style"] for f in fails} == {"narrative", "persona", "exclusion", "requirement"}
    assert next(f for f in fails if f["style"] == "exclusion")["candidate"] == {"reply": "I cannot do that."}


def test_server_trouble_during_a_style_retries_the_whole_row_later(tmp_path, llm_server):
    llm_server.add_rule("Task: restyle:narrative", "500")
    s = restyle(tmp_path, llm_server, styles="short,narrative")
    assert s.counts.transient == 3 and s.counts.done == 0
    assert not (tmp_path / "styled.jsonl").read_text()
    llm_server.reset()
    s2 = restyle(tmp_path, llm_server, styles="short,narrative")
    assert s2.counts.done == 3 and llm_server.count("restyle") == 6


def test_restyling_again_keeps_earlier_styles(tmp_path, llm_server):
    restyle(tmp_path, llm_server, styles="short")
    styled = tmp_path / "styled.jsonl"
    second = tmp_path / "second.jsonl"
    run_restyle(styled, second, fast_config(llm_server.base_url), "persona", progress=False)
    for row in read_jsonl(second):
        assert set(row["styles"]) == {"short", "persona"}


def test_synth_with_styles_writes_each_style_into_the_pair(tmp_path, llm_server):
    seeds = write_jsonl(tmp_path / "seeds.jsonl", seed_rows(2))
    s = run_synthesis(
        seeds, tmp_path / "out.jsonl", fast_config(llm_server.base_url), styles="narrative,exclusion", progress=False
    )
    assert s.styles == {"narrative": {"kept": 2}, "exclusion": {"kept": 2}}
    for row in read_jsonl(tmp_path / "out.jsonl"):
        assert set(row["styles"]) == {"narrative", "exclusion"}
        assert row["style_prompt_version"] and row["style_model"] == "test-model"
    # one reversal, two judgments, and per style one rewrite and two judgments
    assert llm_server.count() == 2 * (3 + 2 * 3)


def test_restyle_rejects_bad_pairs_with_file_line_field(tmp_path, llm_server):
    rows = pair_rows(2)
    del rows[1]["instruction_reversed"]
    pairs = write_jsonl(tmp_path / "pairs.jsonl", rows)
    with pytest.raises(InputError, match=r"pairs.jsonl:2: field 'instruction_reversed': required field is missing"):
        restyle(tmp_path, llm_server)
    assert llm_server.count() == 0
    assert pairs.exists()
