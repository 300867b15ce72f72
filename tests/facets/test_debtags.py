import os
from pathlib import Path

import pytest

from instructret.errors import InputError
from instructret.facets import build_debtags_vocabulary, load_vocabulary, read_debtags_vocabulary
from instructret.facets.debtags import FamilySpec

VOCAB = """Facet: game
Description: Games and Amusement

Tag: game::adventure
Description: Adventure
 Adventure games.

Tag: game::TODO
Description: Need an extra tag

Tag: interface::commandline
Description: Command Line

Tag: interface::x11
Description: X Window System
 Uses X.
 .
 Second paragraph.

Tag: interface::graphical
Description: Graphical User Interface
"""

SPECS = {
    "game": FamilySpec("game", "topic", "Games", phrase="{label} games", requirement="is {a} {label} game",
                       query="{label} game"),
    "interface": FamilySpec("interface", "contrast", "UI", phrase="{label} programs", requirement="has a {label} UI",
                            merge={"cli": ("commandline",), "gui": ("x11", "graphical")},
                            overrides={"gui": {"label": "graphical"}}),
}


def test_read_and_build(tmp_path):
    path = tmp_path / "vocabulary"
    path.write_text(VOCAB)
    tags = read_debtags_vocabulary(path)
    assert [t.tag for t in tags] == ["game::adventure", "game::TODO", "interface::commandline", "interface::x11",
                                     "interface::graphical"]
    assert tags[3].label == "X Window System" and tags[3].description == "Uses X. Second paragraph."
    vocab, counts = build_debtags_vocabulary(path, SPECS)
    assert counts == {"tags": 5, "used": 4, "families": 2}
    assert list(vocab.families["game"].values) == ["adventure"]  # TODO left out
    adv = vocab.value("game", "adventure")
    assert (adv.query, adv.phrase, adv.requirement) == ("adventure game", "adventure games", "is an adventure game")
    gui = vocab.value("interface", "gui")
    assert gui.tags == ["interface::x11", "interface::graphical"] and gui.phrase == "graphical programs"
    assert vocab.value("interface", "cli").label == "command line"


def test_build_errors(tmp_path):
    path = tmp_path / "vocabulary"
    path.write_text(VOCAB)
    with pytest.raises(InputError, match="no tag interface::web"):
        build_debtags_vocabulary(path, {**SPECS, "interface": FamilySpec(
            "interface", "contrast", "UI", phrase="{label}", requirement="{label}", merge={"web": ("web",)})})
    with pytest.raises(InputError, match="needs facet 'role'"):
        build_debtags_vocabulary(path, {**SPECS, "role": FamilySpec("role", "contrast", "R", "{label}", "{label}")})
    empty = tmp_path / "empty"
    empty.write_text("Facet: x\nDescription: X\n")
    with pytest.raises(InputError, match="no 'Tag:' stanzas"):
        read_debtags_vocabulary(empty)
    nodesc = tmp_path / "nodesc"
    nodesc.write_text("Tag: a::b\nDescription: B\n\nTag: a::c\nStatus: x\n")
    with pytest.raises(InputError) as err:
        read_debtags_vocabulary(nodesc)
    assert err.value.line == 4 and err.value.field == "Description"
    with pytest.raises(InputError, match="file not found"):
        read_debtags_vocabulary(tmp_path / "missing")


def _real_vocabulary() -> Path | None:
    for candidate in (os.environ.get("INSTRUCTRET_DEBTAGS_VOCABULARY"), "/usr/share/debtags/vocabulary"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.mark.skipif(_real_vocabulary() is None, reason="Debian's debtags vocabulary is not installed "
                    "(set INSTRUCTRET_DEBTAGS_VOCABULARY)")
def test_packaged_vocabulary_is_a_fresh_build():
    vocab, counts = build_debtags_vocabulary(_real_vocabulary())
    assert counts["tags"] == 642
    assert vocab == load_vocabulary("debtags"), (
        "instructret/facets/data/debtags.json is stale: run `instructret facets vocab "
        "/usr/share/debtags/vocabulary --out instructret/facets/data/debtags.json`")
