"""Fictional software items as attribute records, and the requirements that instructions place on them.

An :class:`Item` holds every fact its generated description states. A :class:`Requirement` is one
condition an instruction can add ("must run in a terminal"); :meth:`Requirement.holds` judges an item
from its facts and :meth:`Requirement.force` makes an item satisfy or violate it. Relevance in the demo
data is computed this way, never by reading generated text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .topics import Topic

PLATFORM_SETS: tuple[tuple[str, ...], ...] = (
    ("Linux", "macOS", "Windows"), ("Linux", "macOS", "Windows"), ("Linux",), ("Windows",), ("macOS",),
    ("Linux", "macOS"), ("Windows", "macOS"), ("Linux", "Windows"), ("Linux", "FreeBSD"),
)
OPEN_LICENCES: dict[str, str] = {
    "MIT": "MIT licence",
    "GPL-3.0": "GNU GPL version 3",
    "GPL-2.0": "GNU GPL version 2",
    "Apache-2.0": "Apache License 2.0",
    "BSD-3-Clause": "three-clause BSD licence",
    "MPL-2.0": "Mozilla Public License 2.0",
}
PROPRIETARY = "proprietary"
LANGUAGES: tuple[str, ...] = ("Python", "Rust", "Go", "C", "C++", "Java", "TypeScript", "C#")
TERMINAL = ("cli", "tui")

_FIRST = ("bram", "cor", "dun", "el", "fen", "gal", "hol", "ist", "jur", "kel", "lor", "mav", "nor", "ost", "pel",
          "quin", "ros", "sel", "tam", "ul", "vor", "wen", "yar", "zel", "ash", "bel", "cal", "dor", "ev", "fal",
          "gil", "hap", "ko", "lum", "mir", "nev", "orb", "rud", "tor", "wil")
_SECOND = ("ba", "cade", "do", "fin", "go", "ix", "ka", "lo", "mere", "nix", "ora", "pa", "ria", "sto", "tic",
           "va", "wick", "zo", "by", "den", "ly", "mot", "rin", "sa", "tern", "vik", "bo", "dal", "kin", "ne",
           "rex", "sen", "ta", "vel")
_LIB_NAME = {"Python": "py{n}", "Rust": "{n}-rs", "Go": "go-{n}", "C": "lib{n}", "C++": "lib{n}", "Java": "{n}4j",
             "TypeScript": "{n}-js", "C#": "{n}-net"}


class NameForge:
    """Hands out unique, pronounceable fictional names (deterministic for a given ``rng``)."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._used: set[str] = set()

    def name(self) -> str:
        """A fresh lower-case name such as ``"corwick"``."""
        while True:
            n = self._rng.choice(_FIRST) + self._rng.choice(_SECOND)
            if n not in self._used:
                self._used.add(n)
                return n


@dataclass(frozen=True)
class Item:
    """A fictional software item: the facts its description will state.

    Attributes:
        id: Unique document id.
        name: Display name.
        topic: What kind of software it is.
        kind: ``app``, ``library`` or ``plugin``.
        interface: ``cli``, ``tui``, ``gui`` or ``web`` for applications, else ``None``.
        platforms: Operating systems an application runs on (empty for web applications and non-apps).
        licence: An SPDX id from :data:`OPEN_LICENCES` or :data:`PROPRIETARY`.
        language: Implementation language.
        formats: Supported formats, a subset of ``topic.formats``.
        account: Whether an online account is required; ``None`` when the topic does not say.
        does: What the application does (a clause from ``topic.does``).
        features: Optional extras (clauses from ``topic.features``).
        host: Host application name for plugins.
    """

    id: str
    name: str
    topic: Topic
    kind: str
    interface: str | None = None
    platforms: tuple[str, ...] = ()
    licence: str = "MIT"
    language: str = "Python"
    formats: tuple[str, ...] = ()
    account: bool | None = None
    does: str = ""
    features: tuple[str, ...] = ()
    host: str = ""


def _subset(
    rng: random.Random, pool: tuple[str, ...], must: str | None = None, avoid: str | None = None
) -> tuple[str, ...]:
    """A random non-empty subset of ``pool`` in pool order, containing ``must`` and not ``avoid``."""
    choices = [x for x in pool if x != avoid]
    picked = set(rng.sample(choices, rng.randint(min(2, len(choices)), len(choices))))
    if must:
        picked.add(must)
    return tuple(x for x in pool if x in picked)


def make_item(topic: Topic, kind: str, forge: NameForge, rng: random.Random) -> Item:
    """Draw a random item of ``topic`` with the given ``kind`` (``app``, ``library`` or ``plugin``)."""
    name = forge.name()
    language = rng.choice(LANGUAGES)
    licence = PROPRIETARY if kind == "app" and rng.random() < 0.2 else rng.choice(tuple(OPEN_LICENCES))
    formats = _subset(rng, topic.formats) if topic.formats else ()
    if kind == "library":
        lib_id = _LIB_NAME[language].format(n=name)
        return Item(id=lib_id, name=lib_id, topic=topic, kind=kind, licence=licence, language=language,
                    formats=formats, does=rng.choice(topic.lib_for))
    if kind == "plugin":
        host = forge.name().capitalize()
        return Item(id=f"{host.lower()}-{name}", name=name.capitalize(), topic=topic, kind=kind, licence=licence,
                    language=language, host=host, features=(rng.choice(topic.features),))
    interface = rng.choice(topic.interfaces)
    return Item(id=name, name=name.capitalize(), topic=topic, kind="app", interface=interface,
                platforms=() if interface == "web" else rng.choice(PLATFORM_SETS), licence=licence, language=language,
                formats=formats, account=(rng.random() < 0.35) if topic.account else None,
                does=rng.choice(topic.does), features=tuple(rng.sample(topic.features, 2)))


@dataclass(frozen=True)
class Requirement:
    """One condition an instruction places on an application.

    Attributes:
        kind: ``terminal``, ``graphical``, ``web``, ``open_source``, ``platform``, ``offline``, ``format``
            or ``language``.
        value: The platform, format or language for the parametrised kinds.
    """

    kind: str
    value: str = ""

    def applies_to(self, topic: Topic) -> bool:
        """Whether applications of ``topic`` can both satisfy and violate this requirement."""
        ifaces = set(topic.interfaces)
        if self.kind == "terminal":
            return bool(ifaces & set(TERMINAL)) and bool(ifaces - set(TERMINAL))
        if self.kind == "graphical":
            return "gui" in ifaces and len(ifaces) > 1
        if self.kind == "web":
            return "web" in ifaces and len(ifaces) > 1
        if self.kind == "platform":
            return bool(ifaces - {"web"})
        if self.kind == "offline":
            return topic.account
        if self.kind == "format":
            return self.value in topic.formats and len(topic.formats) > 1
        return self.kind in ("open_source", "language")

    def holds(self, item: Item) -> bool:
        """Whether ``item`` meets the requirement, judged from its facts (only applications can)."""
        if item.kind != "app":
            return False
        return {
            "terminal": lambda: item.interface in TERMINAL,
            "graphical": lambda: item.interface == "gui",
            "web": lambda: item.interface == "web",
            "open_source": lambda: item.licence != PROPRIETARY,
            "platform": lambda: item.interface != "web" and self.value in item.platforms,
            "offline": lambda: item.account is False,
            "format": lambda: self.value in item.formats,
            "language": lambda: item.language == self.value,
        }[self.kind]()

    def force(self, item: Item, satisfy: bool, rng: random.Random) -> Item:
        """Return ``item`` changed as little as needed so that it satisfies (or violates) the requirement."""
        ifaces = item.topic.interfaces
        if self.kind in ("terminal", "graphical", "web"):
            good = {"terminal": TERMINAL, "graphical": ("gui",), "web": ("web",)}[self.kind]
            pool = [i for i in ifaces if (i in good) == satisfy]
            interface = rng.choice(pool)
            platforms = () if interface == "web" else (item.platforms or rng.choice(PLATFORM_SETS))
            return replace(item, interface=interface, platforms=platforms)
        if self.kind == "open_source":
            return replace(item, licence=rng.choice(tuple(OPEN_LICENCES)) if satisfy else PROPRIETARY)
        if self.kind == "platform":
            sets = [s for s in PLATFORM_SETS if (self.value in s) == satisfy]
            interface = item.interface if item.interface != "web" else rng.choice([i for i in ifaces if i != "web"])
            return replace(item, interface=interface, platforms=rng.choice(sets))
        if self.kind == "offline":
            return replace(item, account=not satisfy)
        if self.kind == "format":
            pool = item.topic.formats
            fmts = _subset(rng, pool, must=self.value) if satisfy else _subset(rng, pool, avoid=self.value)
            return replace(item, formats=fmts)
        if self.kind == "language":
            others = [x for x in LANGUAGES if x != self.value]
            return replace(item, language=self.value if satisfy else rng.choice(others))
        raise ValueError(f"unknown requirement kind {self.kind!r}")
