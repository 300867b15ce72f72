"""Seed instructions in several styles, written from a :class:`~tools.demo_data.items.Requirement`.

Styles mix FollowIR-like narratives with explicit exclusions, short needs, first and third person, because
an encoder trained only on positively phrased needs learns that instruction words are wanted words.
"""

from __future__ import annotations

from dataclasses import dataclass

from .items import Requirement
from .text import article


@dataclass(frozen=True)
class Phrases:
    """How one requirement is worded.

    Attributes:
        does: Third-person clause ("runs in a terminal").
        must: Infinitive after "must" ("run in a terminal").
        exclusion: A sentence naming what is not relevant.
        reason: A first-person reason, without final punctuation.
        ignore: Noun phrase for what to ignore.
    """

    does: str
    must: str
    exclusion: str
    reason: str
    ignore: str


def phrases(req: Requirement) -> Phrases:
    """The wording of ``req``."""
    v = req.value
    table = {
        "terminal": Phrases("runs in a terminal, either as a command-line program or with a text-mode interface",
                            "run in a terminal",
                            "Graphical desktop applications and web applications are not relevant.",
                            "I work over SSH on a headless server", "graphical and web-based tools"),
        "graphical": Phrases("has a graphical desktop interface", "have a graphical interface with windows and menus",
                             "Command-line and terminal programs are not relevant.",
                             "I would rather click than type commands", "command-line and terminal programs"),
        "web": Phrases("is used through a web browser", "work as a web application that I open in a browser",
                       "Desktop applications and terminal programs are not relevant.",
                       "I want to use it from any device", "desktop and terminal programs"),
        "open_source": Phrases("is free and open-source software", "be released under an open-source licence",
                               "Proprietary, closed-source and freeware tools are not relevant.",
                               "Our company only allows open-source software", "closed-source and proprietary tools"),
        "platform": Phrases(f"runs on {v}", f"run on {v}", f"Tools without a {v} version are not relevant.",
                            {"Windows": "My work laptop runs Windows", "macOS": "I use a Mac"}.get(
                                v, f"All our machines run {v}"), f"tools that do not run on {v}"),
        "offline": Phrases("works offline and keeps all data on the local machine", "work without an online account",
                           "Tools that require a cloud account or store data on the vendor's servers are not relevant.",
                           "I do not want my data on other people's servers", "anything that needs an online account"),
        "format": Phrases(f"supports {v}", f"handle {v}", f"Tools that cannot handle {v} are not relevant.",
                          f"Most of my files are {v}", f"tools without {v} support"),
        "language": Phrases(f"is written in {v}", f"be written in {v}",
                            "Tools written in other programming languages are not relevant.",
                            f"Everything else in our stack is written in {v}", "tools written in other languages"),
    }
    return table[req.kind]


STYLES: tuple[str, ...] = ("narrative", "reason", "third_person", "short", "long_first_person", "imperative")


def seed_instruction(req: Requirement, noun: str, style: str) -> str:
    """Write the instruction for a seed tuple about a ``noun`` (e.g. "backup tool") in one of :data:`STYLES`."""
    p = phrases(req)
    a_noun = f"{article(noun)} {noun}"
    if style == "narrative":
        return (f"A relevant document describes {a_noun} that {p.does}. {p.exclusion} "
                "Programming libraries and plugins for other programs are not relevant either.")
    if style == "reason":
        return f"{p.reason}, so the {noun} must {p.must}."
    if style == "third_person":
        return f"The user is looking for {a_noun} that {p.does}. {p.exclusion}"
    if style == "short":
        return f"Must {p.must}."
    if style == "long_first_person":
        return (f"I am looking for {a_noun} for everyday use. {p.reason}, so it has to {p.must}. {p.exclusion} "
                "Libraries for developers are not what I need.")
    if style == "imperative":
        return f"Find {a_noun} that {p.does}; ignore {p.ignore}."
    raise ValueError(f"unknown style {style!r}")
