"""Choosing the hard negative of a seed tuple: pluggable strategies, registered by name.

``first`` takes the first listed negative (the seed author's order). ``encoder`` takes the negative the
current :class:`~instructret.encoder.InstructEncoder` scores highest for (query, instruction): the most
confusable one, which is the one the model most needs to learn to push down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from instructret.data.records import SeedTuple
from instructret.errors import InstructretError

if TYPE_CHECKING:
    from instructret.encoder import InstructEncoder


@dataclass(frozen=True)
class NegativeChoice:
    """Which negative of a seed was chosen, and how."""

    index: int
    strategy: str
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Provenance form, written into the output row."""
        d: dict[str, Any] = {"strategy": self.strategy, "index": self.index}
        if self.score is not None:
            d["score"] = round(self.score, 6)
        return d


#: A chooser maps a seed (whose instruction may still be missing) to a choice.
NegativeChooser = Callable[[SeedTuple], NegativeChoice]

_FACTORIES: dict[str, Callable[..., NegativeChooser]] = {}


def register_negative_chooser(name: str) -> Callable[[Callable[..., NegativeChooser]], Callable[..., NegativeChooser]]:
    """Register a factory ``factory(**options) -> chooser`` under ``name``."""

    def deco(factory: Callable[..., NegativeChooser]) -> Callable[..., NegativeChooser]:
        _FACTORIES[name] = factory
        return factory

    return deco


def negative_strategies() -> list[str]:
    """Names of the registered strategies."""
    return sorted(_FACTORIES)


def make_negative_chooser(name: str, **options: Any) -> NegativeChooser:
    """Build the chooser registered under ``name``.

    Raises:
        InstructretError: If no strategy has that name.
    """
    if name not in _FACTORIES:
        choices = ", ".join(negative_strategies())
        raise InstructretError(f"unknown hard-negative strategy {name!r}; choose from {choices}")
    return _FACTORIES[name](**options)


@register_negative_chooser("first")
def _first(**_: Any) -> NegativeChooser:
    def choose(seed: SeedTuple) -> NegativeChoice:
        return NegativeChoice(0, "first")

    return choose


@register_negative_chooser("encoder")
def _encoder(encoder: InstructEncoder | None = None, model: str = "minilm", **_: Any) -> NegativeChooser:
    lock = threading.Lock()
    state: dict[str, InstructEncoder] = {}

    def choose(seed: SeedTuple) -> NegativeChoice:
        # One model shared by all worker threads; encoding is serialised (it is fast next to an LLM call).
        with lock:
            if "enc" not in state:
                if encoder is not None:
                    state["enc"] = encoder
                else:
                    from instructret.encoder import InstructEncoder

                    state["enc"] = InstructEncoder(model)
            enc = state["enc"]
            q = enc.encode_queries([seed.query], seed.instruction or None)
            d = enc.encode_documents([n.text for n in seed.negatives])
        scores = (q @ d.T)[0]
        best = int(scores.argmax())
        return NegativeChoice(best, "encoder", float(scores[best]))

    return choose
