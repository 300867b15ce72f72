"""Instruction styles: the shapes an instruction can take, and the exclusion clause built from a pair.

Real instructions are not all short positive needs. FollowIR/TREC narratives mostly say what is *not*
relevant, and an encoder that only ever saw "instruction words = wanted words" pulls the excluded kind of
document up. So synthesis can rewrite every view's instruction in several styles (registered here by
name), and the narrative and exclusion styles must name what is not relevant. A view's natural exclusion
is what the *other* view asks for, which :func:`exclusion_clause` builds deterministically from the pair.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from instructret.errors import InstructretError

# The exclusion cues live with the instruction parser, so the style checks and the split agree on what an
# exclusion is; re-exported here for the synthesis checks.
from instructret.instructions import states_exclusion as states_exclusion


@dataclass(frozen=True)
class InstructionStyle:
    """One instruction style.

    Attributes:
        name: The name used on the command line and as the key in a pair's ``styles``.
        description: What the LLM is asked to write (goes into the prompt verbatim).
        example: One example, for documentation.
        states_exclusion: Whether the style must say explicitly what is not relevant.
        requires_only: Whether the style must state its need without naming anything as not relevant (what
            users often write, "only GTK programs": nothing for the split to subtract).
    """

    name: str
    description: str
    example: str
    states_exclusion: bool = False
    requires_only: bool = False


STYLES: dict[str, InstructionStyle] = {}


def register_style(style: InstructionStyle) -> InstructionStyle:
    """Add a style to :data:`STYLES` so ``--styles`` accepts its name."""
    STYLES[style.name] = style
    return style


register_style(
    InstructionStyle(
        name="short",
        description=(
            "a terse need of at most 12 words, like a search filter, positively phrased "
            "(for example: 'Command-line tools only.')"
        ),
        example="Sourdough recipes only.",
    )
)
register_style(
    InstructionStyle(
        name="narrative",
        description=(
            "a TREC-style narrative of 2 to 4 sentences in the third person: first what a relevant "
            "document must describe, then explicitly what is not relevant, in a sentence of the form "
            "'Documents that ... are not relevant.'"
        ),
        example=(
            "A relevant document gives a bread recipe leavened with a sourdough starter. Recipes that use "
            "commercial yeast or baking powder are not relevant."
        ),
        states_exclusion=True,
    )
)
register_style(
    InstructionStyle(
        name="persona",
        description=(
            "one or two sentences in the first person from a user who explains their situation and why "
            "they need it (for example: 'I am a teacher and I need ...')"
        ),
        example="I keep a sourdough starter on my counter and want a bread recipe that uses it instead of yeast.",
    )
)
register_style(
    InstructionStyle(
        name="exclusion",
        description=(
            "mostly what is NOT relevant: at most one short sentence of the need, then a sentence that "
            "names what is not relevant ('... is not relevant.')"
        ),
        example="Bread from sourdough. Recipes that rely on commercial yeast or baking powder are not relevant.",
        states_exclusion=True,
    )
)


register_style(
    InstructionStyle(
        name="requirement",
        description=(
            "what the topic is, then in a second sentence one extra condition the document must also meet, "
            "positively phrased; say nothing about what is not relevant (for example: 'Bread recipes. The "
            "recipe must also use a sourdough starter.')"
        ),
        example="Bread recipes. The recipe must also use a sourdough starter.",
        requires_only=True,
    )
)


def parse_styles(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """Turn ``"short,narrative"`` (or a list) into a checked tuple of style names, in the given order.

    Raises:
        InstructretError: If a name is not a registered style.
    """
    if spec is None:
        return ()
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in STYLES]
    if unknown:
        raise InstructretError(f"unknown style(s) {', '.join(unknown)}; choose from {', '.join(STYLES)}")
    return tuple(dict.fromkeys(names))


# A first-person or imperative lead-in ("I want", "I'd like", "Show me", "Only") in front of the thing a
# user asks for. What follows it is the requirement itself, a noun phrase that reads well after
# "Not relevant:".
_LEAD_IN = re.compile(
    r"^\s*(?:"
    r"(?:i|we)(?:'d|\s+would|'m|\s+am|'re|\s+are)?(?:\s+only)?\s+"
    r"(?:like|want|need|prefer|require|looking\s+for|after|interested\s+in|searching\s+for)"
    r"|show\s+me|find\s+me|find|give\s+me|looking\s+for|only"
    r")\s+(?:(?:to\s+find|to\s+get|to\s+have|only)\s+)?",
    re.IGNORECASE,
)


# The same lead-in later in the sentence, after some context: "I work over SSH and want a ...".
_INNER_LEAD_IN = re.compile(
    r"\b(?:(?:i|we)(?:'d|\s+would|'m|\s+am|'re|\s+are)?(?:\s+only|\s+just|\s+really)?|and|so)\s+"
    r"(?:like|want|need|prefer|require|looking\s+for|searching\s+for|rather\s+have)\s+"
    r"(?:(?:to\s+find|to\s+get|to\s+have|only)\s+)?",
    re.IGNORECASE,
)


def requirement_phrase(instruction: str) -> str | None:
    """The requirement an instruction states, as a noun phrase, found after a known lead-in.

    ``"I want an engine that speaks xboard."`` gives ``"an engine that speaks xboard"``, and so does
    ``"I use XBoard, so I want an engine that speaks xboard."``; an instruction with no recognised lead-in
    gives None.
    """
    text = " ".join(instruction.split())
    m = _LEAD_IN.match(text) or _INNER_LEAD_IN.search(text)
    if not m:
        return None
    core = text[m.end() :].strip().rstrip(".!;:")
    # Keep only the first sentence: later ones usually justify the need rather than state it.
    core = re.split(r"(?<=[a-z0-9)])\.\s+(?=[A-Z])", core, maxsplit=1)[0].strip()
    return core or None


def exclusion_clause(other_instruction: str) -> str:
    """A sentence that marks everything the other view asks for as not relevant.

    Args:
        other_instruction: The instruction of the *other* view of the pair.

    Returns:
        ``"Not relevant: <requirement>."`` when the requirement can be cut out of a lead-in (``"Not
        relevant: anything for a user who wants to <verb phrase>."`` for "I want to ..."), else the whole
        other instruction quoted: ``'Not relevant: anything that meets the need "<instruction>".'``.
    """
    core = requirement_phrase(other_instruction)
    if core and core.lower().startswith("to "):
        return f"Not relevant: anything for a user who wants {core}."
    if core:
        return f"Not relevant: {core}."
    quoted = " ".join(other_instruction.split()).rstrip()
    return f'Not relevant: anything that meets the need "{quoted}".'


def view_exclusion(instruction: str, instruction_reversed: str, view: str) -> str:
    """The exclusion clause of one view of a dual-view pair.

    Args:
        instruction: View A's instruction (positive relevant).
        instruction_reversed: View B's instruction (negative relevant).
        view: ``"A"`` or ``"B"``.

    Returns:
        For view A, B's requirement marked as not relevant, and the other way round.
    """
    if view not in ("A", "B"):
        raise ValueError(f"view must be 'A' or 'B', got {view!r}")
    return exclusion_clause(instruction_reversed if view == "A" else instruction)
