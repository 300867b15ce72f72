"""An OpenAI-compatible chat client that returns schema-validated JSON and counts tokens.

Retries with exponential backoff on 429, 5xx, timeouts and dropped connections are the ``openai``
package's own (``max_retries``); this module adds what it lacks: asking for JSON in the form a server
understands, parsing a reply robustly, re-asking a bounded number of times when the reply is not valid,
and sorting errors into *transient* (retry the row on the next run), *bad answer* (record the row as
failed for good) and *fatal* (stop the run: wrong key, unknown model).

The API key is read from an environment variable whose name is configurable. It is passed to the
``openai`` client and nowhere else: never logged, never written.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from instructret.errors import InstructretError

A = TypeVar("A", bound=BaseModel)

#: ``response_format`` modes: OpenAI structured outputs, OpenAI JSON mode, llama-cpp-python's JSON mode with
#: a schema (grammar-constrained), or none (the schema is only described in the prompt).
ResponseFormat = Literal["auto", "json_schema", "json_object", "llama", "none"]
RESPONSE_FORMATS: tuple[str, ...] = get_args(ResponseFormat)


class TransientLLMError(Exception):
    """The server could not answer (after the client's retries): the row is retried on the next run."""


class BadAnswerError(Exception):
    """The model answered, but not with valid JSON for the schema, even after re-asking.

    Attributes:
        reply: The model's last reply (for the failures file), if there was one.
    """

    def __init__(self, message: str, reply: str | None = None):
        super().__init__(message)
        self.reply = reply


class FatalLLMError(InstructretError):
    """A configuration error that no retry can fix (bad key, unknown model, unreachable endpoint)."""


@dataclass(frozen=True)
class LLMConfig:
    """How to reach an OpenAI-compatible chat endpoint.

    Attributes:
        model: Model name sent to the server (and recorded in every output row); required for an API.
        base_url: Endpoint, e.g. ``http://127.0.0.1:8080/v1``; None means the OpenAI API.
        api_key_env: Name of the environment variable holding the API key (never logged or written); None
            sends no real key (for local servers). A base URL without the variable set also sends a placeholder.
        concurrency: Rows in flight at once, each with its own requests (the embedded server answers one
            at a time and keeps one prompt cache, so its settings say 1).
        timeout: Seconds per HTTP request before it is abandoned (and retried).
        max_retries: Retries per request on 429, 5xx, timeouts and connection errors, with exponential
            backoff (the ``openai`` client's own).
        reasks: How many times to ask again when a reply is not valid JSON for the schema.
        response_format: How the reply is asked to be JSON: ``auto`` tries ``json_schema`` and falls back to
            ``json_object`` and then ``none`` when the server rejects it with 400/422; ``llama`` is
            llama.cpp's grammar-constrained schema mode.
        temperature: Sampling temperature.
        max_tokens: Completion token limit per request.
        max_doc_chars: Documents are clipped to this many characters inside prompts.
    """

    model: str
    base_url: str | None = None
    api_key_env: str | None = "OPENAI_API_KEY"
    concurrency: int = 4
    timeout: float = 60.0
    max_retries: int = 5
    reasks: int = 2
    response_format: ResponseFormat = "auto"
    temperature: float = 0.2
    max_tokens: int = 400
    max_doc_chars: int = 2000

    def __post_init__(self) -> None:
        if self.response_format not in RESPONSE_FORMATS:
            raise InstructretError(
                f"unknown response format {self.response_format!r}; choose from {', '.join(RESPONSE_FORMATS)}"
            )
        if self.concurrency < 1:
            raise InstructretError(f"concurrency must be at least 1, got {self.concurrency}")


@dataclass
class UsageCounter:
    """Requests and tokens used, summed over threads.

    Attributes:
        requests: Chat requests sent over HTTP, the ``openai`` client's retries included (what the server
            received, when it could be reached).
        retries: Of those, the repeats of a request: the client's automatic retries (after 429, 5xx, timeouts,
            dropped connections) and ours after a reply that was not a chat completion.
        reasks: Requests that asked again after a reply that was not valid JSON for the schema.
        prompt_tokens: Prompt tokens, from the ``usage`` of every reply.
        completion_tokens: Completion tokens, likewise.
    """

    requests: int = 0
    retries: int = 0
    reasks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, prompt: int, completion: int, reask: bool) -> None:
        """Count one reply's tokens (and whether it answered a re-ask)."""
        with self._lock:
            self.reasks += int(reask)
            self.prompt_tokens += prompt
            self.completion_tokens += completion

    def sent(self, retry: bool) -> None:
        """Count one chat request leaving for the server."""
        with self._lock:
            self.requests += 1
            self.retries += int(retry)

    def resent(self) -> None:
        """Count a request sent again unchanged by us (not by the client) after an unreadable reply."""
        with self._lock:
            self.retries += 1

    def as_dict(self) -> dict[str, int]:
        """Plain counts."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "reasks": self.reasks,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


def extract_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``, tolerating prose or code fences around it.

    Raises:
        ValueError: If there is no JSON object.
    """
    decoder = json.JSONDecoder(strict=False)  # tolerate raw newlines inside strings
    start = text.find("{")
    while start >= 0:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict):
            return obj
        start = text.find("{", start + 1)
    raise ValueError("no JSON object in the reply")


def _strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.setdefault("additionalProperties", False)
    return schema


class JsonLLM:
    """Ask an OpenAI-compatible chat model for JSON that validates against a pydantic model.

    Thread-safe: one instance is shared by all workers of a run.

    Args:
        config: Endpoint and request settings.
    """

    def __init__(self, config: LLMConfig):
        import openai

        self.config = config
        self.usage = UsageCounter()
        self._openai = openai
        key = os.environ.get(config.api_key_env) if config.api_key_env else None
        if not key:
            if config.base_url is None:
                raise FatalLLMError(
                    f"environment variable {config.api_key_env or 'OPENAI_API_KEY'} is not set: set it to your "
                    "API key, name another variable with --api-key-env, or use --base-url / --llm local"
                )
            key = "not-needed"  # self-hosted servers ignore it; the openai client insists on one
        # every HTTP request passes this hook, retries included, so the usage counts what was really sent
        http = openai.DefaultHttpxClient(event_hooks={"request": [self._count_request]})
        self._client = openai.OpenAI(
            base_url=config.base_url, api_key=key, timeout=config.timeout, max_retries=config.max_retries,
            http_client=http,
        )
        self._mode = "json_schema" if config.response_format == "auto" else config.response_format
        self._mode_lock = threading.Lock()
        self._reach_lock = threading.Lock()
        self._reachable = False
        self._unreachable: FatalLLMError | None = None

    @property
    def url(self) -> str:
        """The endpoint's base URL (the OpenAI API's when none was configured)."""
        return str(self._client.base_url).rstrip("/")

    def _count_request(self, request: Any) -> None:
        if request.url.path.rstrip("/").endswith("/chat/completions"):
            # the openai client numbers its attempts in this header: 0 for the first, n for the n-th retry
            self.usage.sent(retry=request.headers.get("x-stainless-retry-count", "0") != "0")

    def check_connection(self) -> None:
        """Fail at once when the server cannot be reached at all, instead of spending retries on every row.

        Sends one ``GET /models`` with a single retry. Any HTTP answer, even an error status, proves the
        server is there; so does a timeout (a busy server is slow, not absent), which is left to the requests'
        own retries.

        Raises:
            FatalLLMError: The connection was refused or the host is unknown, naming the URL.
        """
        openai = self._openai
        probe = self._client.with_options(max_retries=1, timeout=min(self.config.timeout, 10.0))
        try:
            probe.models.list()
        except openai.APITimeoutError:
            return
        except openai.APIConnectionError as exc:
            raise FatalLLMError(f"cannot connect to the LLM server at {self.url}: {_short(exc)}") from None
        except Exception:  # an error status or an odd body: something answered
            return

    def _ensure_reachable(self) -> None:
        # Probe once, before the first request of the run; every worker waits for that one answer.
        if self._reachable:
            return
        with self._reach_lock:
            if self._unreachable is not None:
                raise self._unreachable
            if not self._reachable:
                try:
                    self.check_connection()
                except FatalLLMError as exc:
                    self._unreachable = exc
                    raise
                self._reachable = True

    def _response_format(self, mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
        if mode == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}
        if mode == "json_object":
            return {"type": "json_object"}
        if mode == "llama":
            return {"type": "json_object", "schema": schema}
        return None

    def _complete(self, messages: list[dict[str, str]], name: str, schema: dict[str, Any]) -> Any:
        openai = self._openai
        while True:
            mode = self._mode
            kwargs: dict[str, Any] = {
                "model": self.config.model,
                "messages": messages,
                "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens,
            }
            fmt = self._response_format(mode, name, schema)
            if fmt is not None:
                kwargs["response_format"] = fmt
            try:
                return self._client.chat.completions.create(**kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                # Only 'auto' degrades: a server that rejects structured outputs may accept JSON mode.
                if self.config.response_format != "auto" or mode == "none" or "response_format" not in kwargs:
                    raise BadAnswerError(f"request rejected ({exc.status_code}): {_short(exc)}") from None
                with self._mode_lock:
                    if self._mode == mode:
                        self._mode = {"json_schema": "json_object", "json_object": "none"}[mode]
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise FatalLLMError(
                    f"the LLM server refused the API key from ${self.config.api_key_env} ({exc.status_code})"
                ) from None
            except openai.NotFoundError as exc:
                raise FatalLLMError(
                    f"model {self.config.model!r} or endpoint {self.config.base_url or 'OpenAI'} not found "
                    f"({exc.status_code}): {_short(exc)}"
                ) from None
            except openai.APIStatusError as exc:
                if exc.status_code in (408, 409, 429) or exc.status_code >= 500:
                    raise TransientLLMError(
                        f"HTTP {exc.status_code} after {self.config.max_retries} retries: {_short(exc)}"
                    ) from None
                raise BadAnswerError(f"request rejected ({exc.status_code}): {_short(exc)}") from None
            except openai.APITimeoutError:
                raise TransientLLMError(
                    f"timed out after {self.config.timeout:g}s, {self.config.max_retries} retries"
                ) from None
            except openai.APIConnectionError as exc:
                raise TransientLLMError(f"connection failed after {self.config.max_retries} retries: {exc}") from None
            except (openai.APIResponseValidationError, json.JSONDecodeError) as exc:
                raise TransientLLMError(f"server sent an unreadable response: {_short(exc)}") from None

    def ask(self, messages: list[dict[str, str]], answer: type[A], name: str | None = None) -> A:
        """Send ``messages`` and return the reply parsed as ``answer``, re-asking on invalid replies.

        Args:
            messages: Chat messages.
            answer: The pydantic model the reply must validate against.
            name: Schema name sent in ``json_schema`` mode (default: the model's class name).

        Raises:
            BadAnswerError: The reply never validated (after ``reasks`` re-asks) or the request was
                rejected as malformed.
            TransientLLMError: The server failed even after the client's retries.
            FatalLLMError: Wrong key, unknown model, or a server that cannot be reached at all: stop the run.
        """
        self._ensure_reachable()
        schema = _strict_schema(answer)
        name = name or answer.__name__
        history = list(messages)
        problem = ""
        content = None
        unreadable = False
        for _ in range(self.config.reasks + 1):
            if unreadable:  # the same request again: a retry of ours
                self.usage.resent()
            resp = self._complete(history, name, schema)
            if not hasattr(resp, "choices"):
                # A 200 whose body is not a chat completion (a proxy's HTML page, say): a server fault,
                # so ask again unchanged, and retry the row on the next run if it persists.
                problem = "server sent a response that is not a chat completion"
                unreadable = True
                continue
            unreadable = False
            usage = getattr(resp, "usage", None)
            self.usage.add(
                getattr(usage, "prompt_tokens", 0) or 0,
                getattr(usage, "completion_tokens", 0) or 0,
                len(history) > len(messages),
            )
            content = (resp.choices[0].message.content or "") if resp.choices else ""
            try:
                return answer.model_validate(extract_json_object(content))
            except (ValueError, ValidationError) as exc:
                problem = _problem(exc)
            history = history + [
                {"role": "assistant", "content": content[:2000]},
                {
                    "role": "user",
                    "content": f"That reply was not valid ({problem}). Reply with only a JSON object with the "
                    f"keys {', '.join(schema.get('properties', {}))}.",
                },
            ]
        if unreadable:
            raise TransientLLMError(problem)
        raise BadAnswerError(f"invalid JSON answer after {self.config.reasks + 1} tries: {problem}", content)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ())) or "reply"
        return f"{loc}: {err.get('msg', 'invalid')}"
    return str(exc)


def _short(exc: Exception, limit: int = 200) -> str:
    msg = " ".join(str(getattr(exc, "message", None) or exc).split())
    return msg if len(msg) <= limit else msg[:limit] + "…"
