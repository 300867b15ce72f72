"""Cheap checks that reject trivial reversals before (and besides) the LLM verification pass.

A reversed instruction that is only the original with "not" added teaches the encoder nothing about the
attribute that separates the documents, and one that repeats document text teaches it to copy. Both are
dropped with a reason.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words that negate or invert without adding content; removing them from both instructions shows whether
# one is just the negation of the other.
NEGATION_WORDS = frozenset(
    "not no non never without nothing neither nor except excluding exclude excluded avoid anything but "
    "other than instead opposite rather don't dont doesn't isn't aren't won't cannot can't shouldn't "
    "unlike any everything".split()
)

#: Consecutive words shared with a document that count as copying it.
COPY_RUN = 10

#: Part of every resume key: a change to these checks changes which rows are kept.
CHECKS_VERSION = 3


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


# Words that carry no requirement of their own ("I want something relevant about ...").
FILLER_WORDS = frozenset(
    "i i'm i'd we you a an the this that these those it its is are be been am to of for in on with and or "
    "want wants wanted need needs like would should must please me my our something some thing things "
    "document documents relevant relevance about only just also".split()
)


def _content(text: str) -> set[str]:
    return {w for w in words(text) if w not in NEGATION_WORDS and w not in FILLER_WORDS}


def is_negation_of(candidate: str, original: str) -> bool:
    """Whether ``candidate`` adds no requirement of its own to ``original``: it only negates or rearranges it.

    A real reversal names what the other document has ("a GTK front end"); "not a command-line tool" or
    "anything except command-line tools" only repeats the original's words around a negation.
    """
    return _content(candidate) <= _content(original)


def states_no_requirement(text: str) -> bool:
    """Whether an instruction names (almost) nothing: "not this", "not a true statement", "anything else".

    It must have two or more content words, and one that starts with a negation needs four: a bare
    negation with a word or two is what a model writes when it has no idea.
    """
    content = _content(text)
    first = (words(text) or [""])[0]
    return len(content) < 2 or (first in NEGATION_WORDS and len(content) < 4)


def nearly_same(a: str, b: str, max_extra: int = 3) -> bool:
    """Whether two instructions are the same words except for a few added or dropped ones.

    A real reversal *replaces* words ("a GTK app" / "a Qt app"); text that only gains a tail such as
    "Rewrite B" or loses a word or two says the same thing.
    """
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return wa == wb
    ops = [op for op in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes() if op[0] != "equal"]
    if any(tag == "replace" for tag, *_ in ops):
        return False
    return sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in ops) <= max_extra


def copies_document(text: str, document: str, run: int = COPY_RUN) -> bool:
    """Whether ``text`` repeats ``run`` or more consecutive words of ``document``, or all of a short one."""
    t, d = words(text), words(document)
    if not t or not d:
        return False
    if len(t) < run:
        return len(t) >= 4 and " ".join(t) == " ".join(d)
    shingles = {" ".join(d[i : i + run]) for i in range(len(d) - run + 1)}
    return any(" ".join(t[i : i + run]) in shingles for i in range(len(t) - run + 1))


# An instruction that talks about the prompt ("document 2", "instruction B", "<...>") rather than stating a
# need: small models echo the task text or the answer template.
_PROMPT_ECHO = re.compile(r"\bdocuments?\s*[12]\b|\binstruction\s*[AB]\b|\brewrite\s+of\b|<[^<>]{1,40}>", re.I)


def echoes_prompt(text: str) -> bool:
    """Whether an instruction refers to the prompt's documents, instructions or answer template."""
    return bool(_PROMPT_ECHO.search(text))


def trivial_reason(
    candidate: str, other: str | None, positive: str, negative: str, check_negation: bool = True
) -> str | None:
    """Why an instruction is a trivial reversal, or None when it is not.

    Args:
        candidate: The instruction to check.
        other: The instruction of the other view, compared for mere negation (None: skip that check).
        positive: Text of the pair's positive document.
        negative: Text of the pair's negative document.
        check_negation: Whether to compare with ``other`` at all.
    """
    if echoes_prompt(candidate):
        return "trivial reversal: refers to the prompt instead of stating a need"
    if other is not None and nearly_same(candidate, other):
        return "trivial reversal: (nearly) the same text as the other instruction"
    if other is not None and check_negation and is_negation_of(candidate, other):
        return "trivial reversal: only a negation of the other instruction"
    if states_no_requirement(candidate):
        return "trivial reversal: states no requirement of its own"
    for doc in (positive, negative):
        if copies_document(candidate, doc):
            return "trivial reversal: copies document text verbatim"
    return None
