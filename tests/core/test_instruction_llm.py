"""The llm instruction parser against the project's OpenAI-compatible test server on loopback (no mock)."""

from __future__ import annotations

import logging
import re

import pytest

from instructret.instructions import get_parser, split_instruction
from instructret.synthesis.client import FatalLLMError, LLMConfig
from tests.support.testserver import FakeOpenAIServer, parse_prompt

pytest.importorskip("openai")
pytestmark = pytest.mark.server

TEXT = "Only terminal programs. Graphical editors are not relevant."


def split_responder(task: str, user_text: str) -> dict:
    """A model that reads "X is/are not relevant" as excluded X and every other sentence as wanted."""
    assert task == "split_instruction"
    instruction = parse_prompt(user_text)["instruction"]
    if "EMPTY" in instruction:
        return {"wanted": [], "excluded": []}
    wanted, excluded = [], []
    for sentence in re.split(r"(?<=\.)\s+", instruction):
        m = re.match(r"(.+?) (?:is|are) not relevant", sentence)
        (excluded if m else wanted).append(m.group(1) if m else sentence)
    return {"wanted": wanted, "excluded": excluded}


@pytest.fixture
def server():
    with FakeOpenAIServer(responder=split_responder) as srv:
        yield srv


def config(srv: FakeOpenAIServer, **kw) -> LLMConfig:
    opts = {"model": "test-model", "base_url": srv.base_url, "api_key_env": None, "timeout": 2.0,
            "max_retries": 0, "reasks": 0}
    return LLMConfig(**{**opts, **kw})


def test_llm_split_is_asked_once_per_text_and_cached_in_a_file(server, tmp_path):
    cache = tmp_path / "splits.json"
    parser = get_parser("llm", config=config(server), cache_path=cache)
    split = parser.split(TEXT)
    assert (split.wanted, split.excluded, split.parser) == (("Only terminal programs.",), ("Graphical editors",), "llm")
    assert parser.split("  " + TEXT.replace(" ", "  ")) == split  # cached by text, whitespace aside
    assert server.count(task="split_instruction") == 1
    schema = server.log[0].response_schema
    assert schema is not None and {"wanted", "excluded"} <= set(schema["properties"])
    parser.close()
    # a new parser reads the file: no request
    again = get_parser("llm", config=config(server), cache_path=cache)
    assert again.split(TEXT) == split and server.count() == 1
    # a file written for another model is not reused
    other = get_parser("llm", config=config(server, model="other-model"), cache_path=cache)
    assert other.split(TEXT).excluded == ("Graphical editors",) and server.count() == 2


def test_explicit_exclusions_are_added_to_the_llm_split(server):
    parser = get_parser("llm", config=config(server))
    split = split_instruction(TEXT, parser=parser, exclude=["web apps", "graphical editors"])
    assert split.excluded == ("Graphical editors", "web apps") and split.parser == "llm"


def test_reply_that_is_not_json_falls_back_to_rules_and_says_so_once(server, caplog):
    server.add_rule("BROKEN", "malformed")
    parser = get_parser("llm", config=config(server))
    with caplog.at_level(logging.WARNING, logger="instructret.instruction_llm"):
        first = parser.split("BROKEN editors. GUI tools are not relevant.")
        second = parser.split("BROKEN viewers. Web apps are not relevant.")
        assert parser.split("BROKEN editors. GUI tools are not relevant.") == first  # not asked again
    assert first == split_instruction("BROKEN editors. GUI tools are not relevant.")
    assert (first.parser, first.excluded, second.excluded) == ("rules", ("GUI tools",), ("Web apps",))
    assert server.count() == 2
    warnings = [r for r in caplog.records if "rules parser instead" in r.getMessage()]
    assert len(warnings) == 1
    # a working reply afterwards is the model's again
    assert parser.split(TEXT).parser == "llm"


def test_empty_split_or_failing_server_falls_back_to_rules(server):
    server.add_rule("FAILS", "500")
    parser = get_parser("llm", config=config(server))
    assert parser.split("EMPTY. Plugins are not relevant.").parser == "rules"
    failing = parser.split("FAILS. Daemons are not relevant.")
    assert (failing.parser, failing.excluded) == ("rules", ("Daemons",))
    assert parser.split(None).wanted == () and parser.split("  ").excluded == ()


def test_refused_key_is_an_error_not_a_fall_back(server, monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_SPLIT_KEY", "sk-test")
    server.queue_faults("401")
    parser = get_parser("llm", config=config(server, api_key_env="INSTRUCTRET_SPLIT_KEY"))
    with pytest.raises(FatalLLMError):
        parser.split(TEXT)
