"""The English rules behind the ``rules`` instruction parser: no model, deterministic, cached by text.

This module holds the exclusion cues (the vocabulary of "not relevant", "I don't want", "No X.", "must not",
"X, not Y", of indifference and of double negation), what is left of a clause once its cue is gone (the
excluded *concept*: connectives, generic framing and vacuous subjects removed), and the reading of an
instruction sentence by sentence and clause by clause. The decisions these rules make, and the table of
phrasings that pins them down, are described in :mod:`instructret.instructions`, which registers the rules as
the ``rules`` parser and reads them for :func:`~instructret.instructions.states_exclusion`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

# --- the cues -------------------------------------------------------------------------------------------
# All exclusion cues live here; ``states_exclusion`` (used by the synthesis style checks) reads them through
# split_by_rules, as the ``rules`` parser does, so the checks and the split agree on what an exclusion is.

_I = re.IGNORECASE
_BE = r"\b(?:is|are|be|was|were|being)\s+(?:(?:also|then|therefore|thus|clearly|definitely|generally|usually|" \
      r"equally|likewise|considered|deemed|treated\s+as)\s+)*"
_UNWANTED = (r"(?:relevant|wanted|desired|needed|required|useful|helpful|of\s+(?:any\s+)?interest|interesting|"
             r"acceptable|appropriate|suitable|welcome|what\s+(?:i|we|you|the\s+user)\s+(?:am\s+|are\s+|is\s+)?"
             r"(?:want|wants|need|needs|looking\s+for|after))\b")
_NOT_EXEMPT = r"(?!\s+(?:only|just|merely|simply|necessarily|least|even|always|every|all|too|very|so|that)\b)"

#: A predicate that marks the clause's subject as excluded: "X are not relevant (either)", "X is irrelevant".
_PREDICATE = re.compile(
    rf"(?:{_BE}|\b)(?:not|never)\s+(?:be\s+)?(?:considered\s+)?{_UNWANTED}"
    rf"|\b(?:isn't|aren't|wasn't|weren't)\s+{_UNWANTED}"
    rf"|(?:{_BE})?\birrelevant\b|^excluded\b"
    rf"|{_BE}(?:excluded|unwanted|out\s+of\s+scope|off[- ]topic|ruled\s+out)\b"
    r"|\b(?:should|must|can|may|are\s+to|is\s+to)\s+be\s+(?:ignored|skipped|excluded|left\s+out|dropped|"
    r"discarded|disregarded)\b"
    r"|\b(?:do|does|did)\s+not\s+(?:(?:meet|satisfy)\s+(?:the|this|that|my|our|your|their)?\s*(?:needs?|requests?|"
    r"requirements?|criteria|criterion)|qualify|count)\b"
    r"|\b(?:don't|doesn't|didn't)\s+(?:(?:meet|satisfy)\s+\w+\s+(?:needs?|requests?|requirements?|criteria)|qualify)\b"
    r"|\b(?:are|is)\s+not\s*[.!]?\s*$|\b(?:aren't|isn't)\s*[.!]?\s*$",
    _I,
)
#: A cue whose concept follows it, wherever it stands: "I don't want X", "no need for X", "neither X nor Y".
_LEADING = re.compile(
    r"\b(?:i|we|you|they|the\s+user|users?)\s+(?:(?:really|just|certainly|definitely)\s+)?(?:do\s+not|don't|"
    r"does\s+not|doesn't|did\s+not|didn't)\s+(?:really\s+)?(?:want|need|like|require|care\s+for)\b(?:\s+to\b)?"
    r"|\bnot\s+(?:interested\s+in|looking\s+for)\b"
    r"|\b(?:have|has)\s+no\s+(?:use|need|interest)\s+(?:for|in)\b|\bno\s+(?:need|use)\s+for\b|\bno\s+interest\s+in\b"
    r"|\b(?:anything|everything)\s+but\b|\bexclude\b"
    r"|\bneither\b(?:\s+(?:are|is|do|does|should|must|can|will|would|have|has)\b)?",
    _I,
)
#: A cue that opens a clause: "No X.", "Not X.", "Nothing X.", "Exclude X", "nor are X".
_OPENING = re.compile(
    r"^(?:(?:please\s+)?(?:exclude|ignore|skip|avoid|omit|leave\s+out|rule\s+out|filter\s+out)\b"
    r"|nor\b(?:\s+(?:are|is|do|does|should|must|can|will|would|have|has)\b)?"
    r"|(?:no|not|nothing)\b(?!\s*,|\s+(?:only|just|merely|simply|necessarily|matter|longer|more|less|fewer|doubt|need|"
    r"use|interest|problem|sooner|later)\b))",
    _I,
)
#: Modal negation: "must not require root" excludes "requires root".
_MODAL = re.compile(rf"\b(?:must|should|shall)\s+(?:not|never)\b{_NOT_EXEMPT}(?:\s+be\b)?"
                    rf"|\b(?:mustn't|shouldn't)\b{_NOT_EXEMPT}(?:\s+be\b)?", _I)
#: A contrast inside a wanted clause: "X, not Y", "X but not Y", "X except Y", "X rather than Y".
_CONTRAST = re.compile(
    rf",\s*(?:but\s+)?not\b{_NOT_EXEMPT}\s+|\s+(?:but|and)\s+not\b{_NOT_EXEMPT}\s+"
    rf"|,\s*(?:and\s+|but\s+)?(?:no|nothing)\b{_NOT_EXEMPT}\s+"
    r"|\s+(?:that|which)\s+(?:is|are)\s+not\s+(?!only\b|just\b|merely\b|necessarily\b)"
    r"|\b(?:except(?:\s+for)?|excluding|other\s+than|rather\s+than|instead\s+of)\s+",
    _I,
)
#: Indifference: the clause is kept as wanted text and excludes nothing.
_NEUTRAL = re.compile(
    r"\bwhether\s+or\s+not\b|\bor\s+not\b|\b(?:do|does|did)\s+not\s+(?:care|mind|matter)\b"
    r"|\b(?:don't|doesn't|didn't)\s+(?:care|mind|matter)\b|\bregardless\b|\bno\s+matter\b|\birrespective\s+of\b"
    r"|\bmay\s+or\s+may\s+not\b|\bwith\s+or\s+without\b|\beither\s+way\b|\bnot\s+necessarily\b",
    _I,
)
#: Two negations that cancel: "it is not true that X are irrelevant", "X are not irrelevant".
_DOUBLE_NEGATION = re.compile(
    r"\bnot\s+(?:true|the\s+case|so)\s+that\b|\b(?:not|never|isn't|aren't)\s+(?:(?:be|considered)\s+)*"
    r"(?:irrelevant|unwanted|excluded|unimportant|useless|unhelpful|uninteresting)\b",
    _I,
)
#: "Anything but X is not relevant": the excluded complement of X, so X is wanted.
_ALL_BUT = re.compile(
    r"^(?:anything|everything|all(?:\s+\w+)?|any\s+\w+)\s+(?:but|except(?:\s+for)?|other\s+than|besides)\s+(.+)$", _I)

#: "Players that do not mention DVD playback are not relevant": one noun phrase whose own clause is negated
#: means "players must mention DVD playback"; excluding it would push DVD players down, so it is wanted text.
_NEGATED_RELATIVE = re.compile(r"^[^,;]*?\b(?:that|which|who|whose)\b[^,;]*?(?:\b(?:not|never)\b|n't\b)", _I)
_CORRECTION = re.compile(r",\s+(?=(?:just|only|but|instead|rather|preferably)\b)", _I)

# --- what is left of a clause once its cue is gone ------------------------------------------------------

_CONNECTIVES = re.compile(r"^(?:(?:and|but|or|so|also|additionally|in\s+addition|moreover|furthermore|however|"
                          r"finally|likewise|similarly|then|plus)\b,?\s*)+", _I)
#: Generic framing around the concept: "documents about X", "a package that X", "anything for X".
_FRAMING = re.compile(
    r"^(?:(?:a|an|any|all|the)\s+)?(?:relevant\s+)?(?:documents?|descriptions?|packages?|results?|pages?|texts?|"
    r"articles?)\s+(?:about|on|of|describing|covering|mentioning)\s+"
    r"|^(?:(?:a|an|any|all|the)\s+)?(?:packages?|documents?|descriptions?|anything|something|ones?|those)\s+"
    r"(?:that|which)\s+"
    r"|^(?:anything|something|everything)\s+(?:about|for|with|related\s+to|involving|concerning)\s+"
    r"|^(?:meets?|matches|satisfies)\s+the\s+need\s+|^(?:that|which)\s+|^(?:anything|something)\s+(?=\w)",
    _I,
)
_VACUOUS = re.compile(
    r"^(?:it|they|them|these|those|this|that|such|ones|others|the\s+others|the\s+rest|rest|else|all|any|anything|"
    r"everything|something|nothing|(?:anything|everything|something|all)\s+else"
    r"|(?:other|unrelated|remaining)\s+(?:subjects?|topics?|things?|packages?|documents?|kinds?|software|"
    r"programs?|results?|stuff|ones)|unrelated\s+\w+)?$",
    _I,
)
_TRAILING_PREDICATE = re.compile(r"\s+(?:is|are)\s+(?:relevant|wanted|welcome|acceptable|needed|of\s+interest|ok|"
                                 r"okay|fine|good)$|\s+either$", _I)
_ENDS = " \t,;:.!?\"'"


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(_ENDS)


def _concept(text: str) -> str:
    """The excluded concept left in ``text``: framing removed, "" when nothing specific is left."""
    text = _tidy(_CONNECTIVES.sub("", _tidy(text)))
    while True:
        shorter = _tidy(_FRAMING.sub("", text, count=1))
        if shorter == text:
            break
        text = shorter
    text = _tidy(_TRAILING_PREDICATE.sub("", text))
    return "" if _VACUOUS.match(text) else text


def _third_person(predicate: str) -> str:
    """``require root`` -> ``requires root`` (the concept a modal negation excludes)."""
    verb, _, rest = predicate.partition(" ")
    if not verb.isalpha() or not verb.islower():
        return predicate
    if verb in ("have", "do", "go"):
        verb = {"have": "has", "do": "does", "go": "goes"}[verb]
    elif verb.endswith(("s", "sh", "ch", "x", "z")):
        verb += "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    return f"{verb} {rest}".strip()


def _has_cue(text: str) -> bool:
    core = _CONNECTIVES.sub("", text)
    return bool(_PREDICATE.search(text) or _LEADING.search(text) or _OPENING.match(core) or _MODAL.search(text)
                or _CONTRAST.search(text))


# A clause is read as one of: wanted text, excluded concepts, or nothing (all cue). "cue" marks a part that
# is only a cue ("Not relevant"), which excludes its neighbour across a colon.
_Reading = tuple[list[str], list[str], bool]


def _read(clause: str) -> _Reading:
    text = " ".join(clause.split()).strip(" ,;:")
    if not text.strip(_ENDS):
        return [], [], False
    if _NEUTRAL.search(text) or _DOUBLE_NEGATION.search(text):
        return [text], [], False
    m = _PREDICATE.search(text)
    if m:
        before, after = text[: m.start()], text[m.end():]
        subject = before if before.strip(_ENDS) else re.sub(r"^[\s:,-]*(?:(?:are|is)\s+)?", "", after, flags=_I)
        if not subject.strip(_ENDS):
            return [], [], True
        inverted = _ALL_BUT.match(_tidy(_CONNECTIVES.sub("", _tidy(subject))))
        if inverted:
            return [_tidy(inverted.group(1))], [], False
        if _NEGATED_RELATIVE.match(subject):
            return [text], [], False
        return [], [c for c in [_concept(subject)] if c], False
    m = _LEADING.search(text) or _OPENING.match(_CONNECTIVES.sub("", text))
    if m:
        core = text if m.re is _LEADING else _CONNECTIVES.sub("", text)
        after, wanted = core[m.end():], []
        # "I don't need a GUI, just a CLI": what follows the correction is wanted
        if fix := _CORRECTION.search(after):
            after, wanted = after[: fix.start()], [_tidy(_CONNECTIVES.sub("", after[fix.end():]))]
        items = re.split(r"\s+nor\s+", after, flags=_I) if m.group(0).lower().startswith("neither") else [after]
        return wanted, [c for c in map(_concept, items) if c], not after.strip(_ENDS)
    m = _MODAL.search(text)
    if m:
        after = _tidy(text[m.end():])
        concept = _concept(after if m.group(0).lower().endswith("be") else _third_person(after))
        return [], [concept] if concept else [], not after
    return _read_contrasts(text)


def _read_contrasts(text: str) -> _Reading:
    """A wanted clause, less the contrasted items it names: "X, not Y" wants X and excludes Y."""
    wanted, excluded = "", []
    rest = text
    while m := _CONTRAST.search(rest):
        comma = rest.find(",", m.end())
        end = comma if comma >= 0 else len(rest)
        wanted += rest[: m.start()].rstrip()
        concept = _concept(rest[m.end(): end])
        if concept:
            excluded.append(concept)
        rest = rest[end:]
    wanted = _tidy(wanted + rest) if excluded else text
    keep = wanted and not _VACUOUS.match(_tidy(_CONNECTIVES.sub("", wanted)))
    return ([wanted] if keep else []), excluded, False


def _lend_cues(parts: list[str], readings: list[_Reading], neighbours: tuple[int, ...]) -> list[_Reading]:
    """A part that is only a cue ("Not relevant") excludes a wanted neighbour (at the first offset that has one)."""
    readings = list(readings)
    for i, (_, _, cue_only) in enumerate(readings):
        for j in (i + d for d in neighbours) if cue_only else ():
            if 0 <= j < len(parts) and readings[j][0] and not readings[j][1] and not readings[j][2]:
                readings[j] = ([], [c for c in [_concept(parts[j])] if c], False)
                break
    return readings


def _read_colon_parts(clause: str) -> _Reading:
    """A clause with a cue and a colon, read part by part: "Not relevant: X" excludes X; "X: not relevant" too."""
    parts = re.split(r":\s+", clause)
    readings = _lend_cues(parts, [_read(p) for p in parts], (1, -1))
    return [w for r in readings for w in r[0]], [e for r in readings for e in r[1]], False


# A sentence may start in lower case (templates filled with a lower-case phrase); abbreviations do not end one.
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')]))(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)(?<!\bcf\.)"
                       r"(?<!\bincl\.)\s+(?=[\"'(]?\w)")
# ", nor are X" / ", and neither are X": the writer negates a new item, which becomes its own concept.
_NOR_JOINT = re.compile(r",\s*(?:and\s+|but\s+)?(?=(?:nor|neither)\b)|\s+(?:and\s+)?(?=(?:nor|neither)\s+(?:are|is|do|"
                        r"does|should|must|can|will|would|have|has)\b)", _I)
# "... and I don't want X", "X are fine, but Y are not": a second main clause, split off only when it carries
# a cue.
_PRONOUN_JOINT = re.compile(r"(,?\s+(?:and|but|while|whereas)\s+(?=(?:i|we)\b)|,\s+but\s+)", _I)


def _clauses(text: str) -> list[str]:
    out = []
    for sentence in _SENTENCE.split(text):
        for clause in sentence.split(";"):
            for part in _NOR_JOINT.split(clause):
                pieces = _PRONOUN_JOINT.split(part)  # text, joint, text, joint, ...
                merged = [pieces[0]]
                for joint, piece in zip(pieces[1::2], pieces[2::2], strict=True):
                    if _has_cue(piece):
                        merged.append(piece)
                    else:
                        merged[-1] += joint + piece
                out += merged
    return out

@lru_cache(maxsize=8192)
def split_by_rules(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read an instruction by the rules into wanted clauses and excluded concepts (cached by text).

    Args:
        text: The instruction (blank: nothing wanted, nothing excluded).

    Returns:
        The wanted clauses, verbatim, in order, and the excluded concepts, in order, without repeats.
    """
    text = " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())
    clauses = _clauses(text)
    readings = [_read_colon_parts(c) if ":" in c and _has_cue(c) else _read(c) for c in clauses]
    readings = _lend_cues(clauses, readings, (-1,))
    wanted = [w for r in readings for w in r[0] if w.strip(_ENDS)]
    return tuple(wanted), unique_concepts([e for r in readings for e in r[1]])


def unique_concepts(items: Sequence[str]) -> tuple[str, ...]:
    """The items with spaces collapsed, blanks dropped and repeats (compared case-insensitively) removed, in order.

    Args:
        items: Concepts, as a parser or a user wrote them.

    Returns:
        The first spelling of each concept, in order of first appearance.
    """
    seen: dict[str, str] = {}
    for item in items:
        item = " ".join(item.split())
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return tuple(seen.values())
