"""A small OpenAI-compatible HTTP server for tests and benchmarks, with scriptable faults.

It is a real HTTP/1.1 server on 127.0.0.1 speaking ``POST /v1/chat/completions`` and ``GET /v1/models``.
By default it answers every synthesis task (see :mod:`instructret.synthesis.prompts`) with deterministic,
valid JSON built from the prompt, as a competent model would. It can be told to fail:

- ``"malformed"``: a 200 reply whose content is not JSON;
- ``"wrong_schema"``: a 200 reply with JSON that lacks the asked-for keys;
- ``"429"`` / ``"500"``: an error status (with a short ``retry-after-ms`` so tests stay fast);
- ``"401"``: the API key is refused;
- ``"slow"``: answers only after ``slow_seconds`` (longer than a test client's timeout);
- ``"drop"``: closes the connection without answering;
- ``"garbage"``: a 200 reply whose HTTP body is not JSON at all.

Faults are queued for the next requests (:meth:`FakeOpenAIServer.queue_faults`) or tied to requests whose
prompt contains a string (:meth:`FakeOpenAIServer.add_rule`). Every request is counted and logged.

It lives with the tests, not in the installed package: its fake judge reads the exact wording of
:mod:`instructret.synthesis.prompts`, which only a test may depend on. Run it by hand from the repository
root: ``python -m tests.support.testserver --port 8089 --latency 0.05``.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("ok", "malformed", "wrong_schema", "429", "500", "401", "slow", "drop", "garbage")

Responder = Callable[[str, str], "dict[str, Any] | str"]


@dataclass
class LoggedRequest:
    """One chat request as the server saw it."""

    task: str
    query: str
    fault: str
    authorization: str
    messages: list[dict[str, str]]
    response_format: str = "none"
    response_schema: dict[str, Any] | None = None


def _first_word(text: str) -> str:
    m = re.search(r"[A-Za-z0-9][\w-]*", text)
    return m.group(0).lower() if m else "thing"


def parse_prompt(user_text: str) -> dict[str, Any]:
    """Pull the task, query, instructions and documents out of a synthesis prompt."""
    task = re.search(r"^Task: (\S+)", user_text, re.M)
    query = re.search(r"<query>(.*?)</query>", user_text, re.S)
    instr = dict(re.findall(r"Instruction( A| B|): <instruction>(.*?)</instruction>", user_text, re.S))
    docs = dict(re.findall(r'<document label="(\w+)">\n(.*?)\n</document>', user_text, re.S))
    return {
        "task": task.group(1) if task else "unknown",
        "query": query.group(1) if query else "",
        "instruction": instr.get("", instr.get(" A", "")),
        "instruction_b": instr.get(" B", ""),
        "docs": docs,
    }


def _relevant(instruction: str, doc: str) -> bool:
    # The fake judge: a document is relevant when its first word is named in a sentence without "not",
    # and in no sentence with "not".
    wanted: set[str] = set()
    excluded: set[str] = set()
    for sentence in re.split(r"[.;]", instruction.lower()):
        words = set(re.findall(r"[\w-]+", sentence))
        (excluded if "not" in words else wanted).update(words)
    word = _first_word(doc)
    return word in wanted and word not in excluded


def default_answer(task: str, user_text: str) -> dict[str, Any]:
    """A deterministic, valid answer to any synthesis task, derived from the prompt."""
    p = parse_prompt(user_text)
    docs = p["docs"]
    kp, kn = _first_word(docs.get("1", "")), _first_word(docs.get("2", ""))
    if task == "original_instruction":
        return {"instruction": f"I want {kp} tools specifically."}
    if task == "polarity_reversal":
        return {"attribute": "which tool", "instruction_reversed": f"I want {kn} tools instead."}
    if task == "relevance_judgment":
        return {
            "reason": "judged by the named tool",
            "document_1_relevant": _relevant(p["instruction"], docs.get("1", "")),
            "document_2_relevant": _relevant(p["instruction"], docs.get("2", "")),
        }
    if task.startswith("restyle:"):
        style = task.split(":", 1)[1]
        forms = {
            "short": ("Only {a} tools.", "Only {b} tools."),
            "narrative": (
                "Relevant documents describe {a} in depth. Documents about {b} are not relevant.",
                "Relevant documents describe {b} in depth. Documents about {a} are not relevant.",
            ),
            "persona": ("I am a user who needs {a} for my work.", "I am a user who needs {b} for my work."),
            "exclusion": (
                "{a} is wanted. Anything about {b} is not relevant.",
                "{b} is wanted. Anything about {a} is not relevant.",
            ),
        }
        fa, fb = forms.get(style, ("Only {a} tools.", "Only {b} tools."))
        return {"instruction": fa.format(a=kp, b=kn), "instruction_reversed": fb.format(a=kp, b=kn)}
    return {"answer": "unknown task"}


def _schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format") or {}
    return fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")


class FakeOpenAIServer:
    """An OpenAI-compatible chat server on 127.0.0.1 with scriptable faults and request counts.

    Args:
        port: Port to bind (0 picks a free one).
        latency: Seconds every chat request takes before answering (a fixed artificial latency).
        max_parallel: At most this many requests are served at once (None: unlimited); the rest queue.
        slow_seconds: How long a ``"slow"`` fault stalls.
        retry_after_ms: ``retry-after-ms`` header sent with 429/500 (None: no header).
        responder: ``responder(task, user_text)`` returns the answer (dict or raw string); default
            :func:`default_answer`.
        reject_formats: ``response_format`` types answered with 400, like a server that lacks them.

    Example:
        >>> with FakeOpenAIServer() as srv:
        ...     srv.queue_faults("429", "malformed")
        ...     url = srv.base_url  # http://127.0.0.1:PORT/v1
    """

    def __init__(
        self,
        port: int = 0,
        latency: float = 0.0,
        max_parallel: int | None = None,
        slow_seconds: float = 3.0,
        retry_after_ms: int | None = 20,
        responder: Responder | None = None,
        reject_formats: tuple[str, ...] = (),
    ):
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.retry_after_ms = retry_after_ms
        self.responder = responder or default_answer
        self.reject_formats = reject_formats
        self.log: list[LoggedRequest] = []
        self._queue: list[str] = []
        self._rules: list[list[Any]] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_parallel) if max_parallel else None
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------------------------------
    def queue_faults(self, *faults: str) -> None:
        """Apply these faults, in order, to the next chat requests (one each)."""
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; choose from {FAULTS}")
        with self._lock:
            self._queue.extend(faults)

    def add_rule(self, contains: str, fault: str, times: int | None = None) -> None:
        """Apply ``fault`` to every request whose prompt contains ``contains`` (at most ``times`` times)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        with self._lock:
            self._rules.append([contains, fault, times])

    def count(self, task: str | None = None, query: str | None = None, fault: str | None = None) -> int:
        """Number of chat requests received, optionally only those of a task, query or fault."""
        with self._lock:
            return sum(
                1
                for r in self.log
                if (task is None or r.task == task or r.task.startswith(task + ":"))
                and (query is None or r.query == query)
                and (fault is None or r.fault == fault)
            )

    def reset(self) -> None:
        """Forget the request log, queued faults and rules."""
        with self._lock:
            self.log.clear()
            self._queue.clear()
            self._rules.clear()

    def _pick_fault(self, text: str) -> str:
        with self._lock:
            for rule in self._rules:
                contains, fault, times = rule
                if contains in text and (times is None or times > 0):
                    if times is not None:
                        rule[2] = times - 1
                    return fault
            return self._queue.pop(0) if self._queue else "ok"

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port."""
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP ------------------------------------------------------------------------------------
    def _chat(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        messages = body.get("messages") or []
        user_text = "\n".join(m.get("content", "") for m in messages if m.get("role") == "user")
        first_user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
        parsed = parse_prompt(first_user)
        fmt = (body.get("response_format") or {}).get("type", "none")
        fault = "rejected_format" if fmt in self.reject_formats else self._pick_fault(user_text)
        auth = handler.headers.get("Authorization", "")
        with self._lock:
            self.log.append(
                LoggedRequest(parsed["task"], parsed["query"], fault, auth, messages, fmt, _schema_of(body))
            )
        if self._slots:
            self._slots.acquire()
        try:
            if self.latency:
                time.sleep(self.latency)
            self._respond(handler, fault, parsed["task"], first_user, body)
        finally:
            if self._slots:
                self._slots.release()

    def _respond(self, h: BaseHTTPRequestHandler, fault: str, task: str, user: str, body: dict[str, Any]) -> None:
        if fault == "drop":
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault == "rejected_format":
            _send(h, 400, {"error": {"message": "response_format not supported", "type": "invalid_request_error"}})
            return
        if fault == "401":
            _send(h, 401, {"error": {"message": "invalid api key", "type": "invalid_request_error"}})
            return
        if fault in ("429", "500"):
            headers = {"retry-after-ms": str(self.retry_after_ms)} if self.retry_after_ms else {}
            msg = "rate limited" if fault == "429" else "internal error"
            _send(h, int(fault), {"error": {"message": msg, "type": "test_fault"}}, headers)
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault == "garbage":
            _send_raw(h, 200, b"<html>this is not json</html>", "text/html")
            return
        if fault == "malformed":
            content = "Sure! Here is the answer: {instruction: oops, not json"
        elif fault == "wrong_schema":
            content = json.dumps({"text": "valid JSON, wrong keys"})
        else:
            answer = self.responder(task, user)
            content = answer if isinstance(answer, str) else json.dumps(answer)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
        completion_tokens = len(content.split())
        _send(
            h,
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "test"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive response.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                if self.path.rstrip("/").endswith("/models"):
                    _send(self, 200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
                else:
                    _send(self, 404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    _send(self, 404, {"error": {"message": "not found"}})
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    _send(self, 400, {"error": {"message": "bad JSON body"}})
                    return
                server._chat(self, body)

        return Handler


def _send(h: BaseHTTPRequestHandler, status: int, obj: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    _send_raw(h, status, json.dumps(obj).encode(), "application/json", headers)


def _send_raw(
    h: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
) -> None:
    try:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (its timeout); nothing to do


def main() -> None:
    """Serve until interrupted (for manual runs and benchmarks)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--max-parallel", type=int, default=None)
    args = ap.parse_args()
    srv = FakeOpenAIServer(port=args.port, latency=args.latency, max_parallel=args.max_parallel).start()
    print(srv.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
