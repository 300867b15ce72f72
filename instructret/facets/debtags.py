"""Build the packaged facet vocabulary from Debian's debtags vocabulary file.

Debian's ``debtags`` package ships ``/usr/share/debtags/vocabulary``: 32 facets and 642 tags, each with a
description. This module reads that file and turns its facets into :class:`FacetVocabulary` families with
the words instructions need. Which facets become topics or contrasts, which tags are merged (``x11`` and
``graphical`` are one interface), and the phrase templates are editorial choices, kept in
:data:`FAMILY_SPECS` so they can be read and changed in one place; every value's label and description
come from the debtags file itself.

Rebuild the packaged file::

    apt-get download debtags && dpkg-deb -x debtags_*.deb debtags
    instructret facets vocab debtags/usr/share/debtags/vocabulary --out instructret/facets/data/debtags.json
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from instructret.errors import InputError
from instructret.facets.vocabulary import FacetFamily, FacetValue, FacetVocabulary, Role


@dataclass(frozen=True)
class DebtagsTag:
    """One tag of the debtags vocabulary file."""

    tag: str
    label: str
    description: str

    @property
    def facet(self) -> str:
        """The facet part (``interface`` of ``interface::commandline``)."""
        return self.tag.split("::", 1)[0]

    @property
    def name(self) -> str:
        """The value part (``commandline`` of ``interface::commandline``)."""
        return self.tag.split("::", 1)[1]


def _stanzas(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """RFC 822 style stanzas (``Key: value`` with indented continuation lines), with their first line."""
    cur: dict[str, str] = {}
    key: str | None = None
    start = 1
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if cur:
                yield start, cur
            cur, key = {}, None
            continue
        if line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
        else:
            if not cur:
                start = lineno
            key, _, value = line.partition(":")
            cur[key.strip()] = value.strip()
    if cur:
        yield start, cur


def read_debtags_vocabulary(path: str | Path) -> list[DebtagsTag]:
    """Every ``Tag:`` stanza of a debtags vocabulary file, in file order.

    Raises:
        InputError: The file is missing or holds no tags, or a tag stanza has no description.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found (it comes with Debian's 'debtags' package)")
    tags = []
    for line, stanza in _stanzas(path.read_text(encoding="utf-8", errors="replace")):
        if "Tag" not in stanza:
            continue
        desc = stanza.get("Description", "")
        if not desc:
            raise InputError(path, "tag without a description", line=line, field="Description")
        label, _, rest = desc.partition("\n")
        long = " ".join(w for w in rest.replace("\n.\n", "\n").split() if w != ".")
        tags.append(DebtagsTag(stanza["Tag"], label.strip(), long))
    if not tags:
        raise InputError(path, "no 'Tag:' stanzas: not a debtags vocabulary file")
    return tags


@dataclass(frozen=True)
class FamilySpec:
    """How one vocabulary family is made from debtags facets.

    Attributes:
        facet: The debtags facet whose tags feed the family.
        role: ``topic`` or ``contrast``.
        label: Family label.
        phrase: Template of a value's plural noun phrase; ``{label}`` is the value's label.
        requirement: Template of a value's verb phrase.
        query: Template of a topic value's search-box query.
        include: Only these tag names (None: every tag of the facet except ``exclude`` and ``TODO``).
        exclude: Tag names left out (too vague, or not a property a user would filter on).
        merge: Value name -> tag names gathered into that one value.
        lowercase: Lower-case the labels (topic labels are common nouns; language and toolkit names are not).
        overrides: Tag name -> fields (``label``, ``phrase``, ``requirement``, ``query``, ``evidence``) written by
            hand where the template reads badly.
        evidence: Template of a value's evidence pattern (``{word}``: the value's label as a whole word), for
            families whose tags descriptions often leave unsaid; None: trust the tags.
    """

    facet: str
    role: Role
    label: str
    phrase: str
    requirement: str
    query: str | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    merge: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lowercase: bool = True
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    evidence: str | None = None


_SOFTWARE_FOR = dict(phrase="software for {label}", requirement="is software for {label}", query="{label}")

#: The editorial part of the debtags vocabulary, family by family (topics first, then contrasts).
FAMILY_SPECS: dict[str, FamilySpec] = {
    "game": FamilySpec(
        "game", "topic", "Games", phrase="{label} games", requirement="is {a} {label} game", query="{label} game",
        exclude=("demos",),
        overrides={"toys": {"label": "toy or gimmick"}, "sport": {"label": "sports"},
                   "mud": {"label": "multiplayer online role-playing (MUD)"},
                   "typing": {"label": "typing tutor", "phrase": "typing tutors", "requirement": "is a typing tutor",
                              "query": "typing tutor"}},
    ),
    "field": FamilySpec("field", "topic", "Field", **_SOFTWARE_FOR,
                        overrides={"finance": {"label": "finance"}, "arts": {"label": "the arts", "query": "arts"}}),
    "works-with": FamilySpec(
        "works-with", "topic", "Works with", phrase="software that works with {label}",
        requirement="works with {label}", query="{label}",
        overrides={"3dmodel": {"label": "3D models"}, "archive": {"label": "archives"}, "image": {"label": "images"},
                   "image:raster": {"label": "raster images"}, "image:vector": {"label": "vector images"},
                   "biological-sequence": {"label": "biological sequences"}, "vcs": {"label": "version control"},
                   "spreadsheet": {"label": "spreadsheets"}, "people": {"label": "contacts and people"},
                   "bugs": {"label": "bug reports"}, "unicode": {"label": "Unicode text"}},
    ),
    "use": FamilySpec(
        "use", "topic", "Purpose", phrase="software for {label}", requirement="is software for {label}",
        query="software for {label}",
        # Purposes too vague to be a topic on their own ("checking", "storing"), or a twin of the game family.
        exclude=("analysing", "browsing", "checking", "comparing", "entertaining", "filtering", "gameplaying",
                 "measuring", "routing", "scanning", "storing", "transmission"),
        overrides={"learning": {"label": "education"}, "simulating": {"label": "simulation"},
                   "driver": {"label": "hardware drivers"}, "gameplaying": {"label": "playing games"},
                   "monitor": {"label": "monitoring"}, "configuring": {"label": "configuring"},
                   "organizing": {"label": "organising data"}, "timekeeping": {"label": "keeping time"},
                   "login": {"label": "logging in"}, "dialing": {"label": "dial-up access"},
                   "converting": {"label": "converting data"}},
    ),
    "sound": FamilySpec(
        "sound", "topic", "Sound and music", **_SOFTWARE_FOR,
        overrides={"player": {"label": "audio playback"}, "mixer": {"label": "audio mixing"},
                   "recorder": {"label": "audio recording"}, "compression": {"label": "audio compression"},
                   "midi": {"label": "MIDI"}, "sequencer": {"label": "MIDI sequencing"}},
    ),
    "admin": FamilySpec(
        "admin", "topic", "System administration", **_SOFTWARE_FOR,
        overrides={"configuring": {"label": "system configuration"}, "filesystem": {"label": "file systems"},
                   "issuetracker": {"label": "issue tracking"}, "kernel": {"label": "the kernel and its modules"},
                   "hardware": {"label": "hardware support"}},
    ),
    "security": FamilySpec(
        "security", "topic", "Security", **_SOFTWARE_FOR,
        overrides={"log-analyzer": {"label": "log analysis"}, "ids": {"label": "intrusion detection"},
                   "antivirus": {"label": "virus scanning"}, "firewall": {"label": "firewalls"}},
    ),
    "hardware": FamilySpec(
        "hardware", "topic", "Hardware", **_SOFTWARE_FOR, exclude=("opengl", "joystick"),
        overrides={"camera": {"label": "digital cameras"}, "scanner": {"label": "image scanners"},
                   "printer": {"label": "printers"}, "modem": {"label": "modems"}, "input": {"label": "input devices"},
                   "input:joystick": {"label": "joysticks"}, "storage:cd": {"label": "reading CDs"},
                   "storage:cd-writer": {"label": "writing CDs"}, "storage:dvd": {"label": "reading DVDs"},
                   "storage:dvd-writer": {"label": "writing DVDs"}, "storage:floppy": {"label": "floppy disks"},
                   "video": {"label": "graphics and video hardware"}, "laptop": {"label": "laptops"},
                   "bluetooth": {"label": "Bluetooth"}, "embedded": {"label": "embedded systems"},
                   "input:keyboard": {"label": "keyboards"}, "input:mouse": {"label": "mice and pointing devices"},
                   "input:touchscreen": {"label": "touchscreens"}, "storage": {"label": "storage devices"},
                   "modem:dsl": {"label": "xDSL modems"}},
    ),
    "web": FamilySpec(
        "web", "topic", "World Wide Web", **_SOFTWARE_FOR, exclude=("application",),
        overrides={"cgi": {"label": "CGI web scripts"}, "server": {"label": "serving web pages"},
                   "wiki": {"label": "wikis"}, "scripting": {"label": "web scripting"},
                   "browser": {"label": "browsing the web"}, "blog": {"label": "blogging"},
                   "search-engine": {"label": "web search"}, "appserver": {"label": "web application servers"},
                   "microblog": {"label": "microblogging"}, "cms": {"label": "content management"},
                   "portal": {"label": "web portals"}, "forum": {"label": "web forums"}},
    ),
    "mail": FamilySpec(
        "mail", "topic", "Electronic mail", **_SOFTWARE_FOR,
        overrides={"filters": {"label": "filtering email"}, "smtp": {"label": "SMTP mail"},
                   "imap": {"label": "IMAP mail"}, "pop": {"label": "POP mail"},
                   "user-agent": {"label": "reading and writing email"},
                   "notification": {"label": "new-mail notification"},
                   "transport-agent": {"label": "mail transport"}, "delivery-agent": {"label": "mail delivery"},
                   "list": {"label": "mailing lists"}},
    ),
    "network": FamilySpec(
        "network", "topic", "Networking", **_SOFTWARE_FOR,
        include=("firewall", "hiavailability", "load-balancing", "routing", "scanner", "vpn", "configuration"),
        overrides={"scanner": {"label": "network scanning"}, "configuration": {"label": "network configuration"},
                   "firewall": {"label": "network firewalls"}, "routing": {"label": "network routing"},
                   "vpn": {"label": "VPNs and tunnels"}, "hiavailability": {"label": "high availability"}},
    ),
    "x11": FamilySpec(
        "x11", "topic", "X Window System", phrase="X11 {label}s", requirement="is an X11 {label}",
        query="X11 {label}", include=("applet", "composite-manager", "display-manager", "font", "screensaver",
                                      "terminal", "theme", "window-manager"),
        overrides={"display-manager": {"label": "login manager"}, "screensaver": {"label": "screen saver"},
                   "terminal": {"label": "terminal emulator"}},
    ),
    "interface": FamilySpec(
        "interface", "contrast", "User interface", phrase="programs with a {label} interface",
        requirement="has a {label} interface",
        merge={"commandline": ("commandline", "shell"), "graphical": ("graphical", "x11"),
               "text-mode": ("text-mode",), "web": ("web",), "daemon": ("daemon",)},
        overrides={"commandline": {"label": "command-line", "phrase": "command-line programs",
                                   "requirement": "is used from the command line"},
                   "graphical": {"label": "graphical", "phrase": "programs with a graphical user interface",
                                 "requirement": "has a graphical user interface"},
                   "text-mode": {"label": "text-mode", "phrase": "full-screen text-mode (terminal UI) programs",
                                 "requirement": "has a full-screen text-mode interface in the terminal"},
                   "web": {"label": "web", "phrase": "programs used through a web browser",
                           "requirement": "is used through a web interface"},
                   "daemon": {"label": "daemon", "phrase": "background daemons and services",
                              "requirement": "runs in the background as a daemon"}},
    ),
    "uitoolkit": FamilySpec(
        "uitoolkit", "contrast", "Interface toolkit", phrase="applications built with {label}",
        requirement="is built with the {label} toolkit", lowercase=False, evidence="{word}",
        overrides={"ncurses": {"label": "ncurses", "evidence": r"\b(?:n?curses|terminal|console)\b"},
                   "xlib": {"label": "plain Xlib", "evidence": r"\b(?:xlib|x11|x window)\b"},
                   "motif": {"label": "Motif", "evidence": r"\b(?:motif|lesstif)\b"},
                   "athena": {"label": "Athena widgets", "evidence": r"\b(?:athena|xaw)\b"},
                   "gtk": {"evidence": r"\b(?:gtk\+?\d?|gnome)\b"}, "qt": {"evidence": r"\b(?:qt\d?|kde)\b"},
                   "wxwidgets": {"evidence": r"\b(?:wxwidgets|wxpython|wxwindows)\b"}},
    ),
    "implemented-in": FamilySpec(
        "implemented-in", "contrast", "Implementation language", phrase="software written in {label}",
        requirement="is written in {label}", lowercase=False, evidence="{word}",
        overrides={"shell": {"label": "shell script", "evidence": r"\b(?:shell|bash|sh)\b"},
                   "tcl": {"label": "Tcl"},
                   "ecmascript": {"label": "JavaScript", "evidence": r"\b(?:javascript|js|node(?:\.js)?)\b"},
                   "objc": {"label": "Objective-C"}, "r": {"label": "R", "evidence": r"(?<![\w-])R(?![\w-])|\bGNU R\b"},
                   # A C program's description rarely names its language: trust the tag.
                   "c": {"evidence": ""}},
    ),
    "role": FamilySpec(
        "role", "contrast", "Package role", phrase="{label} packages", requirement="is a {label} package",
        include=("program", "devel-lib", "shared-lib", "plugin", "documentation", "app-data", "data", "examples"),
        overrides={"program": {"phrase": "programs to run", "requirement": "is a program to run"},
                   "devel-lib": {"phrase": "development files (headers and libraries to build against)",
                                 "requirement": "provides development files to build software against"},
                   "shared-lib": {"phrase": "shared libraries that other programs load",
                                  "requirement": "is a shared library that other programs load"},
                   "plugin": {"phrase": "plugins that extend another program",
                              "requirement": "is a plugin that extends another program"},
                   "documentation": {"phrase": "documentation", "requirement": "is documentation"},
                   "app-data": {"phrase": "data files of an application",
                                "requirement": "holds data files that an application uses"},
                   "data": {"phrase": "standalone data sets", "requirement": "is a standalone data set"},
                   "examples": {"phrase": "examples", "requirement": "holds examples"}},
    ),
    "network-side": FamilySpec(
        "network", "contrast", "Client or server", phrase="network {label}s", requirement="is a network {label}",
        include=("client", "server"),
        overrides={"client": {"requirement": "is a client that connects to a network service"},
                   "server": {"requirement": "is a server that offers a network service"}},
    ),
    "desktop": FamilySpec(
        "suite", "contrast", "Desktop suite", phrase="applications of the {label} desktop",
        requirement="is part of the {label} desktop", include=("kde", "gnome", "xfce"), lowercase=False,
        evidence="{word}",
        overrides={"kde": {"label": "KDE"}, "gnome": {"label": "GNOME"}, "xfce": {"label": "Xfce"}},
    ),
}


def _lower(label: str) -> str:
    # Lower-case common words only: acronyms and words with inner capitals (MIDI, LEGO, GNOME) keep their case.
    return " ".join(w if (len(w) > 1 and w[1:] != w[1:].lower()) else w.lower() for w in label.split())


def _word(label: str) -> str:
    """A pattern matching ``label`` as a whole word ("C++" and "C#" included)."""
    return rf"(?<![\w+#]){re.escape(label)}(?![\w+#])"


def _value(spec: FamilySpec, members: list[DebtagsTag], name: str) -> FacetValue:
    first = members[0]
    label = _lower(first.label) if spec.lowercase else first.label
    over = spec.overrides.get(name, {})
    label = over.get("label", label)
    fill = {"label": label, "a": "an" if label[:1].lower() in "aeiou" else "a"}
    query = over.get("query", spec.query.format(**fill)) if spec.query else None
    evidence = over.get("evidence", spec.evidence.format(word=_word(label)) if spec.evidence else None) or None
    return FacetValue(
        tags=[m.tag for m in members],
        label=label,
        description=" ".join(f"{m.label}: {m.description}".strip() for m in members),
        phrase=over.get("phrase", spec.phrase.format(**fill)),
        requirement=over.get("requirement", spec.requirement.format(**fill)),
        query=query,
        evidence=evidence,
    )


def build_debtags_vocabulary(
    path: str | Path, specs: dict[str, FamilySpec] | None = None
) -> tuple[FacetVocabulary, dict[str, int]]:
    """Build a :class:`FacetVocabulary` from a debtags vocabulary file.

    Args:
        path: ``/usr/share/debtags/vocabulary`` (from Debian's ``debtags`` package).
        specs: Family specs (default :data:`FAMILY_SPECS`).

    Returns:
        The vocabulary, and counts: ``tags`` read, ``used`` (mapped onto a family value), ``families``.

    Raises:
        InputError: If the file is not a debtags vocabulary, or a spec names a tag the file does not have.
    """
    specs = FAMILY_SPECS if specs is None else specs
    tags = read_debtags_vocabulary(path)
    by_facet: dict[str, dict[str, DebtagsTag]] = {}
    for t in tags:
        by_facet.setdefault(t.facet, {})[t.name] = t
    families: dict[str, FacetFamily] = {}
    used: set[str] = set()
    for fname, spec in specs.items():
        facet_tags = by_facet.get(spec.facet)
        if not facet_tags:
            raise InputError(path, f"family '{fname}' needs facet '{spec.facet}', which the file does not have")
        if spec.merge:
            groups = {v: list(names) for v, names in spec.merge.items()}
        else:
            names = spec.include if spec.include is not None else [
                n for n in facet_tags if n != "TODO" and n not in spec.exclude]
            groups = {n: [n] for n in names}
        values = {}
        for vname, names in groups.items():
            missing = [n for n in names if n not in facet_tags]
            if missing:
                raise InputError(path, f"family '{fname}': no tag {spec.facet}::{missing[0]} in the file")
            members = [facet_tags[n] for n in names]
            values[vname] = _value(spec, members, vname)
            used.update(m.tag for m in members)
        families[fname] = FacetFamily(role=spec.role, label=spec.label, values=values)
    source = f"debtags vocabulary ({len(tags)} tags in {len(by_facet)} facets)"
    vocab = FacetVocabulary(name="debtags", source=source, fields=["tags"], families=families)
    return vocab, {"tags": len(tags), "used": len(used), "families": len(families)}

