"""Turn an :class:`~tools.demo_data.items.Item` into a natural title and description.

Each fact is stated by one of several hand-written sentence templates, chosen with a random generator
seeded by the item id, so texts vary while staying reproducible. Every fact that a requirement can
judge (interface, platforms, licence, language, formats, account) is always stated.
"""

from __future__ import annotations

import random

from .items import OPEN_LICENCES, PROPRIETARY, Item

_AN_WORDS = ("RSS", "HTTP", "SVG", "MP3", "FLAC", "SRT", "MKV", "HEIC")
_TOOLKITS = ("GTK", "Qt", "Electron", "wxWidgets", "Tk")
_TITLE_IFACE = {"cli": ("command-line",), "tui": ("terminal",), "gui": ("graphical", "desktop"),
                "web": ("web-based", "self-hosted"), "hosted": ("web-based", "online")}
_TITLE_ADJ = ("lightweight", "fast", "simple", "modern", "minimal", "friendly", "small")

_IDENTITY = (
    "{Name} is {a_noun} that {does}.",
    "{Name} {does}.",
    "{Name} is a small {noun}. It {does}.",
    "Meet {Name}, {a_noun} that {does}.",
    "This {noun} {does}.",
    "{Name} {does}. It aims to do that one job well.",
)
_INTERFACE = {
    "cli": ("It is used entirely from the command line, so it works in scripts and over SSH.",
            "There is no graphical interface: everything is done with command-line options and subcommands.",
            "It is a command-line program; every action is a subcommand, which makes it easy to script."),
    "tui": ("It runs in a terminal with a full-screen text interface and keyboard shortcuts.",
            "The interface is a keyboard-driven text UI that runs in any terminal emulator.",
            "It has a full-screen ncurses interface, so it runs in a terminal, even over SSH."),
    "gui": ("It is a graphical desktop application built with {toolkit}, with menus and drag and drop.",
            "The desktop interface uses {toolkit} and follows the usual windows-and-menus layout.",
            "It has a graphical interface written with {toolkit}; point and click, no commands to learn."),
    "web": ("It is a self-hosted web application: you run the server once and use it from any browser.",
            "Everything happens in a web browser; the server part is installed on your own machine or a small VPS.",
            "It is a web app with a responsive interface, so phones and laptops can use it through the browser."),
    # A web application that needs the vendor's account is a hosted service, not self-hosted.
    "hosted": ("It is a web application that you use in the browser; there is nothing to install.",
               "It runs as an online service: you open it in any browser, on a phone or a laptop."),
}
_FEATURES = ("It {f1}, and it {f2}.", "It also {f1}.", "Among other things, it {f1} and {f2}.",
             "Handy extras: it {f1}, and it {f2}.")
_NO_FORMAT = ("There is no {x} support.", "{x} is not supported.")
_OFFLINE = ("Everything is stored locally; no account or internet connection is needed.",
            "It works completely offline and keeps its data in files on your own disk.",
            "No sign-up and no cloud: your data never leaves your computer.")
_ONLINE = ("It requires a free online account, and your data is synced through the vendor's cloud.",
           "You sign in with an online account; everything is stored on the service's servers, so it is on all "
           "your devices.",
           "An internet connection and a registered account are required, since the data lives in the provider's "
           "cloud.")
_ALL_PLATFORMS = ("It runs on Linux, macOS and Windows.", "Available for Windows, macOS and Linux.",
                  "Cross-platform: Linux, macOS and Windows are all supported.")
_SOME_PLATFORMS = ("It runs on {plist}.", "Available for {plist}.", "Supported systems: {plist}.")
_ONE_PLATFORM = ("It is available for {p} only.", "{p} only.", "It runs on {p}.")
_NO_PLATFORM = ("There is no {p} version.", "{p} is not supported.")
_WEB_HOST = ("The server runs on Linux, and the interface works in any modern browser.",
             "A Docker image is provided for the server; users only need a browser.")
_HOSTED = ("It works in any modern browser.", "Any modern browser will do.")
_OPEN = ("It is free software, released under the {lic}.", "The source code is available under the {lic}.",
         "Open source under the {lic}.", "Licensed under the {lic}.")
_CLOSED = ("It is proprietary software: the download is free, but the source code is not available.",
           "A commercial, closed-source product; a paid licence unlocks all features after a 30-day trial.",
           "Closed-source freeware from a small company.", "It is proprietary and costs a one-time fee.")
_LANGUAGE = ("It is written in {lang}.", "Written in {lang}.", "The code base is {lang}.", "Implemented in {lang}.")
_OPEN_LANG = ("Written in {lang} and released under the {lic}.",
              "{Name} is written in {lang} and licensed under the {lic}.")
_CLOSED_LANG = ("Written in {lang}; the source code is closed.",)
_LIB_IDENTITY = ("{Name} is {a_lang} library for {does}.", "{A_lang} library for {does}.",
                 "{Name} provides {lang} functions for {does}.")
_LIB_ROLE = ("It has no user interface of its own and is meant to be used by developers in their own programs.",
             "It is a building block for developers writing their own {noun}, not an end-user program.",
             "Add it as a dependency of your project when you build {a_noun}; there is no program to run.",
             "Several {noun} projects use it under the hood, but it has no user interface of its own.")
_LIB_FORMATS = ("It understands {fmts}.", "Formats covered: {fmts}.")
_PLUGIN_IDENTITY = ("{Name} is a plugin for the {host} {host_noun} that adds {adds}.",
                    "A plugin for the {host} {host_noun}: it adds {adds}.")
_PLUGIN_ROLE = ("It does not work on its own; {host} must be installed.",
                "It is installed from the add-on manager of {host} and runs inside it.")


def _cap(sentence: str) -> str:
    """Upper-case the first letter only (``str.capitalize`` would lower-case the rest)."""
    return sentence[:1].upper() + sentence[1:]


def article(phrase: str) -> str:
    """``"a"`` or ``"an"`` for ``phrase``, by its first sound."""
    first = phrase.split()[0]
    return "an" if first[0].lower() in "aeiou" or first in _AN_WORDS else "a"


def join_words(words: tuple[str, ...] | list[str], conj: str = "and") -> str:
    """``"a, b and c"``."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conj} {words[-1]}"


def _licence_sentences(item: Item, rng: random.Random) -> list[str]:
    closed = item.licence == PROPRIETARY
    lic = "" if closed else OPEN_LICENCES[item.licence]
    if rng.random() < 0.4:
        return [rng.choice(_CLOSED_LANG if closed else _OPEN_LANG).format(lang=item.language, lic=lic, Name=item.name)]
    # A web service has nothing to download, so skip the freeware wording for it.
    closed_pool = [c for c in _CLOSED if item.interface != "web" or "download" not in c]
    licence = rng.choice(closed_pool if closed else _OPEN).format(lic=lic)
    return [licence, rng.choice(_LANGUAGE).format(lang=item.language)]


def _platform_sentences(item: Item, rng: random.Random) -> list[str]:
    if item.interface == "web":
        return [rng.choice(_HOSTED if item.account else _WEB_HOST)]
    plats = item.platforms
    if set(plats) >= {"Linux", "macOS", "Windows"}:
        return [rng.choice(_ALL_PLATFORMS)]
    out = [rng.choice(_ONE_PLATFORM).format(p=plats[0]) if len(plats) == 1
           else rng.choice(_SOME_PLATFORMS).format(plist=join_words(plats))]
    missing = [p for p in ("Windows", "macOS", "Linux") if p not in plats]
    if missing and rng.random() < 0.4:
        out.append(rng.choice(_NO_PLATFORM).format(p=rng.choice(missing)))
    return out


def _format_sentences(item: Item, rng: random.Random, templates: tuple[str, ...]) -> list[str]:
    if not item.formats:
        return []
    out = [rng.choice(templates).format(fmts=join_words(item.formats))]
    missing = [f for f in item.topic.formats if f not in item.formats]
    if missing and rng.random() < 0.4:
        out.append(_cap(rng.choice(_NO_FORMAT).format(x=rng.choice(missing))))
    return out


def _app(item: Item, rng: random.Random) -> tuple[str, str]:
    t = item.topic
    iface_key = "hosted" if item.interface == "web" and item.account else item.interface or "cli"
    noun = rng.choice(t.aliases) if t.aliases and rng.random() < 0.4 else t.noun
    short = f"{rng.choice(_TITLE_IFACE[iface_key])} {noun}" if rng.random() < 0.5 else (
        f"{rng.choice(_TITLE_ADJ)} {noun}")
    title = f"{item.id}: {short}"
    first = rng.choice(_IDENTITY).format(Name=item.name, noun=noun, a_noun=f"{article(noun)} {noun}", does=item.does)
    middle: list[str] = []
    f1, f2 = item.features
    middle.append(rng.choice(_FEATURES).format(f1=f1, f2=f2))
    middle += _format_sentences(item, rng, t.format_templates)
    if item.account is not None:
        middle.append(rng.choice(_ONLINE if item.account else _OFFLINE))
    if t.disclaimer and rng.random() < 0.5:
        middle.append(t.disclaimer)
    rng.shuffle(middle)
    iface = rng.choice(_INTERFACE[iface_key]).format(toolkit=rng.choice(_TOOLKITS))
    tail = _platform_sentences(item, rng) + _licence_sentences(item, rng)
    rng.shuffle(tail)
    return title, " ".join([first, iface, *middle, *tail])


def _library(item: Item, rng: random.Random) -> tuple[str, str]:
    t = item.topic
    title = f"{item.id}: " + (f"{item.language} library for {item.does}" if rng.random() < 0.5
                              else f"{t.noun} library for {item.language}")
    a_lang = f"{article(item.language)} {item.language}"
    first = rng.choice(_LIB_IDENTITY).format(Name=item.name, a_lang=a_lang, A_lang=_cap(a_lang),
                                             lang=item.language, does=item.does)
    role = rng.choice(_LIB_ROLE).format(noun=t.noun, a_noun=f"{article(t.noun)} {t.noun}")
    parts = [first, role, *_format_sentences(item, rng, _LIB_FORMATS), *_licence_sentences(item, rng)]
    return title, " ".join(parts)


def _plugin(item: Item, rng: random.Random) -> tuple[str, str]:
    t = item.topic
    title = f"{item.id}: {t.plugin_short} plugin for {item.host}"
    first = rng.choice(_PLUGIN_IDENTITY).format(Name=item.name, host=item.host, host_noun=t.plugin_host,
                                                adds=t.plugin_adds)
    parts = [first, rng.choice(_PLUGIN_ROLE).format(host=item.host), *_licence_sentences(item, rng)]
    return title, " ".join(parts)


def render(item: Item) -> tuple[str, str]:
    """Return ``(title, text)`` for ``item``: the title is ``"id: short description"``, the text a paragraph.

    The wording depends only on the item, so the same item always gets the same text.
    """
    rng = random.Random(f"text:{item.id}")
    if item.kind == "library":
        return _library(item, rng)
    if item.kind == "plugin":
        return _plugin(item, rng)
    return _app(item, rng)
