"""A tiny corpus where the top topical document is the one an instruction rules out."""

from __future__ import annotations

import itertools

from instructret.index import InstructIndex

QUERY = "markdown editor"
#: Rules out the graphical editors, which rank first for the bare query.
CLI_ONLY = "I work over SSH on a headless server, so only command-line programs are relevant."
LIBRARIES_ONLY = "only libraries for programmers"

#: id -> (title + " " + text, metadata); descriptions from instructret's demo corpus.
CORPUS: dict[str, tuple[str, dict[str, str]]] = {
    "mdcat": (
        "mdcat: render Markdown in the terminal A command-line program that renders Markdown files with colours, "
        "headings and syntax-highlighted code blocks directly in a terminal emulator. Runs over SSH; no graphical "
        "environment needed.",
        {"interface": "cli"},
    ),
    "mdlint": (
        "mdlint: Markdown style checker A command-line linter for Markdown documents. It checks heading levels, "
        "list indentation and line length, and exits non-zero for use in CI pipelines and pre-commit hooks.",
        {"interface": "cli"},
    ),
    "quillpad": (
        "Quillpad: graphical Markdown editor A desktop Markdown editor with a live side-by-side preview, a toolbar "
        "for bold and italic text, image drag-and-drop and export to PDF. Built with GTK for the GNOME desktop.",
        {"interface": "gui"},
    ),
    "inkdown": (
        "Inkdown: distraction-free Markdown writing app A full-screen graphical writing application for Markdown "
        "with focus mode, word counts, dark theme and a live preview pane. Runs on the Qt toolkit under KDE Plasma "
        "and other desktops.",
        {"interface": "gui"},
    ),
    "pymarkdown-lib": (
        "python3-markdownit: Markdown parsing library for Python A Python library that parses Markdown into an "
        "abstract syntax tree and renders it to HTML. Extensible with plugins for tables, footnotes and task lists. "
        "For developers embedding Markdown support in their own programs.",
        {"interface": "library"},
    ),
    "libcmark": (
        "libcmark: CommonMark parsing and rendering library (C) A C library implementing the CommonMark "
        "specification for Markdown. It provides functions to parse documents and render HTML, LaTeX and man "
        "pages. Development headers are in a separate package.",
        {"interface": "library"},
    ),
    "vim-markdown": (
        "vim-markdown: Markdown syntax plugin for Vim A plugin for the Vim text editor adding Markdown syntax "
        "highlighting, folding by heading and table formatting. It is not a standalone program.",
        {"interface": "plugin"},
    ),
    "htop": (
        "htop: interactive process viewer A terminal program that shows running processes sorted by CPU or memory "
        "use, with a coloured meter display, tree view and keyboard shortcuts to kill or renice processes.",
        {"interface": "cli"},
    ),
}
IDS = list(CORPUS)
TEXTS = [text for text, _ in CORPUS.values()]
METADATAS = [meta for _, meta in CORPUS.values()]

_names = itertools.count()


def fill(index: InstructIndex) -> InstructIndex:
    index.add(IDS, TEXTS, METADATAS)
    return index


def unique_collection(prefix: str) -> str:
    """A fresh collection name (the server fixture is shared by the whole session)."""
    return f"{prefix}-{next(_names)}"
