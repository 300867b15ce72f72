"""Reading an instruction into what is wanted and what is excluded.

A bi-encoder reads "X is not relevant" as "X": every exclusion a user writes pulls the query toward what was
excluded. So an instruction is split first. The default ``rules`` parser cuts it into sentences, ``;``
clauses and a few softer joints (", nor are ...", ", and neither are ...", "... and I don't want ...", a ``:``
next to a cue); a clause with an exclusion cue gives an excluded *concept* (the clause without its cue words
and generic framing such as "documents about" or "a package that"), every other clause is wanted, verbatim.

Decisions the table in ``tests/core/test_instructions.py`` pins down:

- **Lists stay one concept per clause.** "A, B or C are not relevant" excludes "A, B or C". Coordination
  cannot be cut reliably without a grammar ("development and documentation packages" shares its noun, "daemons
  that only scrobble plays, bridge MPD ... or fill the playlist" is one relative clause), a cut item such as
  "development" alone means something else, and the measured prototype took one concept per clause. Items a
  writer negates one by one ("neither A nor B", "..., nor are C") are separate concepts.
- **Double negation and indifference are wanted text.** "It is not true that X are irrelevant", "X are not
  irrelevant", "whether or not", "I don't care whether ...", "with or without" exclude nothing; the clause is
  kept as wanted text. "Anything but / other than X is not relevant" wants X. So does a single noun phrase
  whose own clause is negated: "Players that do not mention DVD playback are not relevant" is kept as wanted
  text, since excluding it would push DVD players down (an encoder does not read the inner "not" either).
- **A clause that is all cue** ("Everything else is not relevant.", "They are not relevant.") gives nothing.
- **"No X" and "Not X" at the start of a clause are cues; "non-" inside a word is not**, nor are "not only",
  "not just", "not necessarily".
- **"must not V"** excludes the predicate in the third person ("must not require root" -> "requires root").

This module holds the split's type, the parsers and their registry. The rules themselves (the cue
vocabulary and the clause-by-clause reading) are in :mod:`instructret.instruction_rules`. Parsers are
registered by name (:func:`register_parser`); ``none`` is the behaviour before splitting and ``llm`` asks an
OpenAI-compatible model (:mod:`instructret.instruction_llm`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from instructret.errors import InstructretError
from instructret.instruction_rules import split_by_rules, unique_concepts


@dataclass(frozen=True)
class SplitInstruction:
    """An instruction read as what is wanted and what is excluded.

    Attributes:
        wanted: The wanted clauses, verbatim, in order.
        excluded: The excluded concepts (cue words removed), in order, without repeats.
        parser: The parser that produced the split (a fall-back shows here: ``rules`` under an ``llm`` request).
    """

    wanted: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    parser: str = "rules"

    @property
    def wanted_text(self) -> str:
        """The wanted clauses joined by a space ("" when nothing is wanted)."""
        return " ".join(self.wanted)

    def to_dict(self) -> dict[str, list[str]]:
        """The split as plain lists, for ``results.json``."""
        return {"wanted": list(self.wanted), "excluded": list(self.excluded)}


class InstructionParser(ABC):
    """Reads an instruction into a :class:`SplitInstruction`. Subclasses set :attr:`name`."""

    name: str = ""

    @abstractmethod
    def split(self, text: str | None) -> SplitInstruction:
        """Split one instruction (None or blank gives an empty split)."""


#: Registered parsers: name -> factory (a class or function taking keyword settings).
PARSERS: dict[str, Callable[..., InstructionParser]] = {}

F = TypeVar("F", bound=Callable[..., InstructionParser])


def register_parser(name: str) -> Callable[[F], F]:
    """Register a parser factory under ``name`` (a decorator), so ``--parser NAME`` and :func:`get_parser` find it."""

    def add(factory: F) -> F:
        PARSERS[name] = factory
        return factory

    return add


def get_parser(name: str, **kwargs: Any) -> InstructionParser:
    """A new parser of the kind registered as ``name``.

    Args:
        name: A key of :data:`PARSERS`.
        **kwargs: Settings for that parser (``llm`` needs ``config=LLMConfig(...)``).

    Returns:
        The parser.

    Raises:
        InstructretError: If no parser has that name.
    """
    if name not in PARSERS:
        raise InstructretError(f"unknown instruction parser {name!r}; choose from {', '.join(PARSERS)}")
    return PARSERS[name](**kwargs)


@register_parser("none")
class NoSplitParser(InstructionParser):
    """The whole instruction is wanted and nothing is excluded: the behaviour before splitting."""

    name = "none"

    def split(self, text: str | None) -> SplitInstruction:
        """The stripped instruction as the one wanted clause."""
        text = (text or "").strip()
        return SplitInstruction((text,) if text else (), (), self.name)


@register_parser("rules")
class RuleParser(InstructionParser):
    """Deterministic English rules, no model (see the module docs); results are cached by text."""

    name = "rules"

    def split(self, text: str | None) -> SplitInstruction:
        """Split by the rules."""
        wanted, excluded = split_by_rules(text or "")
        return SplitInstruction(wanted, excluded, self.name)


@register_parser("llm")
def _llm_parser(**kwargs: Any) -> InstructionParser:
    # imported on use: the LLM client needs the optional openai package, and the synthesis package imports
    # this module for its exclusion check
    from instructret.instruction_llm import LLMInstructionParser

    return LLMInstructionParser(**kwargs)


@lru_cache(maxsize=64)
def _shared_parser(name: str, factory: Callable[..., InstructionParser]) -> InstructionParser:
    return factory()


def split_instruction(
    text: str | None, parser: str | InstructionParser = "rules", exclude: Sequence[str] = ()
) -> SplitInstruction:
    """Read an instruction into what is wanted and what is excluded.

    Args:
        text: The instruction (None or blank: nothing wanted).
        parser: A registered parser name or a parser instance.
        exclude: Concepts the user excludes explicitly; they are added after what the parser found, without
            repeats (compared case- and space-insensitively), in order.

    Returns:
        The split, naming the parser that made it.

    Raises:
        InstructretError: If ``parser`` names no registered parser.
    """
    if isinstance(parser, str):
        if parser not in PARSERS:
            raise InstructretError(f"unknown instruction parser {parser!r}; choose from {', '.join(PARSERS)}")
        parser = _shared_parser(parser, PARSERS[parser])
    split = parser.split(text)
    if isinstance(exclude, str):
        exclude = [exclude]
    if not exclude:
        return split
    return SplitInstruction(split.wanted, unique_concepts([*split.excluded, *exclude]), split.parser)


def states_exclusion(text: str) -> bool:
    """Whether an instruction names something that is not relevant (the rules parser finds an exclusion)."""
    return bool(split_by_rules(text or "")[1])


def format_split(split: SplitInstruction) -> str:
    """Two lines for ``search --explain``: ``wanted: ...`` and ``excluded: ...`` (``(nothing)`` when empty)."""
    wanted = " ".join(split.wanted) or "(nothing)"
    excluded = "; ".join(split.excluded) or "(nothing)"
    return f"wanted: {wanted}\nexcluded: {excluded}"
