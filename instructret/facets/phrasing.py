"""Instructions written from facet values, in the project's instruction styles, with several phrasings each.

A facet pair has a topic (what both documents are about) and one contrast family in which they differ: the
positive has value *want*, the negative value *other*. Each style has several templates, so a model trained
on them cannot learn one sentence shape; which template a view gets is drawn from a seeded generator, so the
same pair always reads the same. The narrative and exclusion styles say what is not relevant (the other
value), as FollowIR narratives do; short and persona state the need only, or mostly; requirement states the
topic and then one added condition, with nothing named as not relevant (what users often write, and what the
split cannot help with). Sentences are capitalised after filling, whatever the placeholders start with.

Templates are filled with ``{query}`` (the topic's search-box query), ``{topic_req}`` (the topic as a verb
phrase: "is a puzzle game"), ``{want}`` / ``{other}`` (plural noun phrases) and ``{want_req}`` /
``{other_req}`` (verb phrases, singular: "is used from the command line").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from instructret.facets.vocabulary import FacetValue

#: Training templates per style (the registered instruction styles of :mod:`instructret.synthesis.styles`).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "short": (
        "Only {want}.",
        "{want} only.",
        "Restrict the results to {want}.",
        "It must be one that {want_req}.",
        "I only want {want}.",
        "Show {want} and nothing else.",
    ),
    "narrative": (
        "A relevant document describes a package that {topic_req} and {want_req}. "
        "A package that {other_req} is not relevant.",
        "Relevant documents are about {want}, on the subject of {query}. Documents about {other} are not "
        "relevant, even when they are on the same subject.",
        "The user is looking for a package that {topic_req}. To be relevant it must also be true that it "
        "{want_req}; a package that {other_req} is not relevant.",
        "Documents must describe {want}. Documents about {other} do not meet the need and are not relevant.",
        "A document is relevant if the package it describes {want_req}. Documents about a package that "
        "{other_req} are not relevant, however well they match the topic.",
    ),
    "persona": (
        "I'm looking for something that {topic_req}, and it has to be one that {want_req}.",
        "I only work with {want}, so whatever I pick for {query} must be one of them.",
        "For my setup I need {want}; I have no use for {other}.",
        "I want a package that {want_req}, because that is the only kind I can use here.",
        "My team asked me to find {want}; the subject is {query}.",
    ),
    "exclusion": (
        "{query}. Documents about {other} are not relevant.",
        "Anything that {other_req} is not relevant.",
        "Any package that {other_req} is not relevant; I want {want}.",
        "Exclude {other}: documents about them are not relevant.",
        "{query}: {want} only. Documents about {other} are not relevant.",
    ),
    "requirement": (
        "{query}. The package must also be one that {want_req}.",
        "Anything for {query} will do, as long as the package {want_req}.",
        "I am searching for a package that {topic_req}. On top of that, it {want_req}.",
        "A good match is a package that {topic_req}; beyond that, the package {want_req}.",
        "Software for {query}. A further condition: it {want_req}.",
        "The topic is {query}. What matters besides the topic is that the package {want_req}.",
    ),
}

#: The styles a facet pair is written in, in this order.
FACET_STYLES = tuple(TEMPLATES)


@dataclass(frozen=True)
class ViewWords:
    """The words one view's instruction is built from."""

    query: str
    topic_req: str
    want: FacetValue
    other: FacetValue

    def fields(self) -> dict[str, str]:
        """Template fields."""
        return {"query": self.query, "topic_req": self.topic_req, "want": self.want.phrase,
                "want_req": self.want.requirement, "other": self.other.phrase, "other_req": self.other.requirement}


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def _capitalise(text: str) -> str:
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def fill(template: str, words: ViewWords) -> str:
    """Fill one template and capitalise the first letter of every sentence."""
    return _capitalise(template.format(**words.fields()))


def write_instruction(style: str, words: ViewWords, rng: random.Random, templates: dict | None = None) -> str:
    """One instruction in ``style`` for the view ``words`` describe, with a template drawn from ``rng``."""
    options = (templates or TEMPLATES)[style]
    return fill(options[rng.randrange(len(options))], words)


def write_pair_styles(
    query: str, topic_req: str, positive: FacetValue, negative: FacetValue, seed: str, styles: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """Both views' instructions in every style: ``{style: {"instruction": A, "instruction_reversed": B}}``.

    View A wants the positive's value and excludes the negative's; view B the other way round. The draw of
    templates is seeded by ``seed`` (the pair's key), so a pair reads the same in every run.
    """
    rng = random.Random(seed)
    view_a = ViewWords(query, topic_req, positive, negative)
    view_b = ViewWords(query, topic_req, negative, positive)
    out: dict[str, dict[str, str]] = {}
    for style in styles:
        out[style] = {"instruction": write_instruction(style, view_a, rng),
                      "instruction_reversed": write_instruction(style, view_b, rng)}
    return out
