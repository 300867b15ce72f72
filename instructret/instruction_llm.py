"""The ``llm`` instruction parser: an OpenAI-compatible chat model reads what is wanted and what is excluded.

Registered under ``llm`` in :mod:`instructret.instructions`. It asks the project's JSON client
(:class:`~instructret.synthesis.client.JsonLLM`) for ``{"wanted": [...], "excluded": [...]}``, caches every
answer by instruction text (in memory, and in a JSON file when given one), and falls back to the ``rules``
parser when the model gives no usable answer, saying so once.

Setup:
    .. code-block:: bash

        pip install 'instructret[llm]'

Use:
    .. code-block:: python

        from instructret.instructions import get_parser, split_instruction
        from instructret.synthesis import LLMConfig

        parser = get_parser("llm", config=LLMConfig(model="gpt-4o-mini"), cache_path="splits.json")
        split_instruction("Only terminal programs. Graphical editors are not relevant.", parser=parser)
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from instructret.atomic import write_text_atomic
from instructret.errors import InstructretError
from instructret.instructions import InstructionParser, RuleParser, SplitInstruction
from instructret.synthesis.client import BadAnswerError, JsonLLM, LLMConfig, TransientLLMError
from instructret.synthesis.prompts import SYSTEM, defuse

logger = logging.getLogger(__name__)

#: Bump when the prompt changes meaning: a file cache written for another version is not reused.
SPLIT_PROMPT_VERSION = "split-1"

_TASK = (
    "Task: split_instruction\n"
    "A user wrote a search instruction. Split it into what the user wants and what the user excludes.\n"
    "- wanted: the clauses that describe what a relevant document is, copied verbatim.\n"
    "- excluded: each kind of document the instruction says is NOT relevant, as a short noun or verb phrase "
    "without the negation (\"Graphical editors are not relevant.\" gives \"Graphical editors\"; \"must not "
    "require root\" gives \"requires root\").\n"
    "A double negation (\"it is not true that X is irrelevant\") or indifference (\"I don't care whether X\") "
    "excludes nothing. Instruction: <instruction>{text}</instruction>\n"
    'Reply with a JSON object {{"wanted": [...], "excluded": [...]}}.'
)


class SplitAnswer(BaseModel):
    """The model's reading of one instruction."""

    model_config = ConfigDict(extra="ignore")

    wanted: list[str]
    excluded: list[str]


def split_messages(text: str) -> list[dict[str, str]]:
    """The chat messages that ask for the split of ``text``."""
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": _TASK.format(text=defuse(" ".join(text.split())))}]


def config_from_environment() -> tuple[LLMConfig, str | None]:
    """The llm parser's model, server and cache file from ``INSTRUCTRET_PARSER_*`` variables.

    Raises:
        InstructretError: ``INSTRUCTRET_PARSER_MODEL`` is not set.
    """
    model = os.environ.get("INSTRUCTRET_PARSER_MODEL")
    if not model:
        raise InstructretError("the llm instruction parser needs a model: set INSTRUCTRET_PARSER_MODEL (and "
                               "INSTRUCTRET_PARSER_BASE_URL for a local OpenAI-compatible server), or pass "
                               "config=LLMConfig(model=...)")
    return (LLMConfig(model=model, base_url=os.environ.get("INSTRUCTRET_PARSER_BASE_URL") or None),
            os.environ.get("INSTRUCTRET_PARSER_CACHE") or None)


class LLMInstructionParser(InstructionParser):
    """Splits instructions with an OpenAI-compatible chat model, cached by text, with the rules as fall-back.

    Args:
        config: How to reach the model (see :class:`~instructret.synthesis.client.LLMConfig`).
        cache_path: A JSON file of earlier answers, read at start and rewritten after each new answer; None keeps
            answers in memory only. A file written for another model or prompt version is ignored.
        client: An existing client to share (its config wins); the parser then does not close it.

    Without a config or a client (``--parser llm`` on the command line, or ``parser="llm"`` in a spec), the
    model is read from the environment: ``INSTRUCTRET_PARSER_MODEL`` (required), ``INSTRUCTRET_PARSER_BASE_URL``
    (an OpenAI-compatible server, e.g. ``http://127.0.0.1:8080/v1``) and ``INSTRUCTRET_PARSER_CACHE`` (a JSON
    cache file).

    Raises:
        InstructretError: If there is no config, no client and no ``INSTRUCTRET_PARSER_MODEL``.
    """

    name = "llm"

    def __init__(self, config: LLMConfig | None = None, cache_path: str | Path | None = None,
                 client: JsonLLM | None = None):
        if config is None and client is None:
            config, env_cache = config_from_environment()
            cache_path = cache_path or env_cache
        self._own_client = client is None
        self._client = client
        self.config = client.config if client is not None else config
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self._fallback = RuleParser()
        self._answers: dict[str, dict[str, list[str]]] = self._read_cache()
        self._fell_back: dict[str, SplitInstruction] = {}
        self._warned = False
        self._lock = threading.Lock()

    @property
    def _key(self) -> str:
        return f"{SPLIT_PROMPT_VERSION}/{self.config.model}"

    def _read_cache(self) -> dict[str, dict[str, list[str]]]:
        if self.cache_path is None or not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("ignoring the instruction split cache %s: %s", self.cache_path, exc)
            return {}
        if not isinstance(data, dict) or data.get("key") != self._key or not isinstance(data.get("answers"), dict):
            return {}
        return data["answers"]

    def _write_cache(self) -> None:
        if self.cache_path is not None:
            text = json.dumps({"key": self._key, "answers": self._answers}, ensure_ascii=False, indent=1)
            write_text_atomic(self.cache_path, text + "\n")

    def _llm(self) -> JsonLLM:
        if self._client is None:
            self._client = JsonLLM(self.config)
        return self._client

    def split(self, text: str | None) -> SplitInstruction:
        """The model's split of ``text``, from the cache when it was asked before.

        An answer that is not valid JSON for the schema (after the client's re-asks), a server that keeps
        failing, or an answer with nothing wanted and nothing excluded gives the ``rules`` split instead (its
        ``parser`` says ``rules``); the first such fall-back is logged as a warning.

        Raises:
            FatalLLMError: A refused key, an unknown model or a server that cannot be reached at all.
        """
        text = " ".join((text or "").split())
        if not text:
            return SplitInstruction((), (), self.name)
        with self._lock:
            if text in self._answers:
                cached = self._answers[text]
                return SplitInstruction(tuple(cached["wanted"]), tuple(cached["excluded"]), self.name)
            if text in self._fell_back:
                return self._fell_back[text]
        try:
            answer = self._llm().ask(split_messages(text), SplitAnswer, name="instruction_split")
            wanted = [w for w in (" ".join(s.split()) for s in answer.wanted) if w]
            excluded = list(dict.fromkeys(e for e in (" ".join(s.split()) for s in answer.excluded) if e))
            problem = "" if wanted or excluded else "the model's split was empty"
        except (BadAnswerError, TransientLLMError) as exc:
            wanted, excluded, problem = [], [], str(exc)
        with self._lock:
            if problem:
                split = self._fallback.split(text)
                self._fell_back[text] = split
                if not self._warned:
                    self._warned = True
                    logger.warning("llm instruction parser: %s; using the rules parser instead (said once)", problem)
                return split
            self._answers[text] = {"wanted": wanted, "excluded": excluded}
            self._write_cache()
        return SplitInstruction(tuple(wanted), tuple(excluded), self.name)

    def close(self) -> None:
        """Close the client's connections, if this parser made the client."""
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None
