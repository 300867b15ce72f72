"""The JSON client against a real HTTP server on loopback: every fault is retried, re-asked or classified."""

from __future__ import annotations

import pytest
from synth_helpers import fast_config

from instructret.synthesis import BadAnswerError, FatalLLMError, JsonLLM, LLMConfig, TransientLLMError
from instructret.synthesis.prompts import ReversalAnswer, reversal_messages

pytestmark = pytest.mark.server

MSG = reversal_messages("query 1", "I want alpha1 tools.", "alpha1 is a tool.", "beta1 is a program.", 500)


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("INSTRUCTRET_TEST_KEY", "sk-test-SENTINEL-1234")


def ask(server, **kw):
    llm = JsonLLM(fast_config(server.base_url, **kw))
    try:
        return llm.ask(MSG, ReversalAnswer), llm
    finally:
        llm.close()


@pytest.mark.parametrize("fault", ["429", "500", "drop", "slow", "garbage"])
def test_each_server_fault_is_retried_then_answered(llm_server, fault):
    llm_server.queue_faults(fault)
    answer, llm = ask(llm_server)
    assert answer.instruction_reversed == "I want beta1 tools instead."
    assert llm_server.count() == 2
    assert llm_server.count(fault=fault) == 1
    # the retry happened below the caller, and it is counted: two requests sent, one a retry, no re-ask
    assert (llm.usage.requests, llm.usage.retries, llm.usage.reasks) == (2, 1, 0)


def test_malformed_json_is_re_asked_and_counted(llm_server):
    llm_server.queue_faults("malformed", "wrong_schema")
    answer, llm = ask(llm_server)
    assert answer.attribute == "which tool"
    assert llm_server.count() == 3
    assert llm.usage.requests == 3 and llm.usage.reasks == 2
    # the re-ask shows the model its bad reply and what was wrong with it
    last = llm_server.log[-1].messages
    assert last[-2]["role"] == "assistant" and "not valid" in last[-1]["content"]
    assert "instruction_reversed" in last[-1]["content"]


def test_persistent_malformed_json_gives_bad_answer_after_bounded_re_asks(llm_server):
    llm_server.add_rule("alpha1", "malformed")
    with pytest.raises(BadAnswerError, match="after 3 tries"):
        ask(llm_server, reasks=2)
    assert llm_server.count() == 3


@pytest.mark.parametrize("fault", ["429", "500", "drop"])
def test_persistent_server_errors_are_transient_after_max_retries(llm_server, fault):
    llm_server.add_rule("alpha1", fault)
    with pytest.raises(TransientLLMError):
        ask(llm_server, max_retries=2)
    assert llm_server.count() == 3  # one try + two retries


def test_timeout_is_per_request_and_transient(llm_server):
    llm_server.add_rule("alpha1", "slow")
    with pytest.raises(TransientLLMError, match="timed out"):
        ask(llm_server, max_retries=1, timeout=0.3)
    assert llm_server.count() == 2


def test_refused_key_is_fatal_and_never_shown(llm_server):
    llm_server.queue_faults("401")
    with pytest.raises(FatalLLMError) as exc:
        ask(llm_server)
    assert "INSTRUCTRET_TEST_KEY" in str(exc.value) and "SENTINEL" not in str(exc.value)
    assert llm_server.log[0].authorization == "Bearer sk-test-SENTINEL-1234"


def test_missing_key_without_base_url_is_a_user_error(monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(FatalLLMError, match="NO_SUCH_KEY_VAR"):
        JsonLLM(LLMConfig(model="gpt-x", api_key_env="NO_SUCH_KEY_VAR"))


def test_auto_response_format_falls_back_when_json_schema_is_rejected():
    from tests.support.testserver import FakeOpenAIServer

    with FakeOpenAIServer(reject_formats=("json_schema",)) as srv:
        answer, llm = ask(srv)
        assert answer.instruction_reversed
        answer2 = JsonLLM(fast_config(srv.base_url)).ask(MSG, ReversalAnswer)
        assert answer2 == answer
        assert [r.response_format for r in srv.log][:2] == ["json_schema", "json_object"]


@pytest.mark.parametrize(("mode", "sent"), [("llama", "json_object"), ("json_schema", "json_schema")])
def test_schema_is_sent_in_the_servers_format(llm_server, mode, sent):
    ask(llm_server, response_format=mode)
    req = llm_server.log[0]
    assert req.response_format == sent
    assert req.response_schema["required"] == ["attribute", "instruction_reversed"]
    assert req.response_schema["additionalProperties"] is False


def test_plain_json_mode_sends_no_schema(llm_server):
    ask(llm_server, response_format="none")
    assert llm_server.log[0].response_format == "none" and llm_server.log[0].response_schema is None


def test_tokens_are_counted_from_usage(llm_server):
    _, llm = ask(llm_server)
    words = sum(len(m["content"].split()) for m in MSG)
    assert llm.usage.prompt_tokens == words
    assert llm.usage.completion_tokens > 0
