"""Reading an instruction into what is wanted and what is excluded: a table of phrasings, traps included.

Every row states the exact wanted clauses and excluded concepts the rules parser must give. The comparison
only collapses whitespace and drops punctuation at the ends of an item; the content is asserted.
"""

from __future__ import annotations

import time

import pytest

from instructret.errors import InstructretError
from instructret.facets.followir_build import CHANGED_PARTS, CHANGED_TEMPLATES, OG_TEMPLATES, changed_addition
from instructret.facets.phrasing import TEMPLATES, ViewWords, fill
from instructret.instructions import (
    PARSERS,
    InstructionParser,
    SplitInstruction,
    format_split,
    get_parser,
    register_parser,
    split_instruction,
    states_exclusion,
)

# Facet words as the project's vocabulary writes them (interface::commandline vs interface::graphical).
WANT, WANT_REQ = "command-line programs", "is used from the command line"
OTHER, OTHER_REQ = "programs with a graphical user interface", "has a graphical user interface"

# (instruction, wanted clauses, excluded concepts)
CASES: list[tuple[str | None, list[str], list[str]]] = [
    # --- plain cues --------------------------------------------------------------------------------
    ("Only terminal programs. Graphical editors are not relevant.", ["Only terminal programs."],
     ["Graphical editors"]),
    ("Graphical editors are irrelevant.", [], ["Graphical editors"]),
    ("Documents about GUIs are not relevant.", [], ["GUIs"]),
    ("GUI tools are not wanted.", [], ["GUI tools"]),
    ("GUI programs are excluded.", [], ["GUI programs"]),
    ("Markdown editors; GUI programs should be excluded.", ["Markdown editors"], ["GUI programs"]),
    ("I don't want plugins.", [], ["plugins"]),
    ("I do not need documentation packages.", [], ["documentation packages"]),
    ("We are not interested in games.", [], ["games"]),
    ("I'm not interested in web apps.", [], ["web apps"]),
    ("No need for a GUI.", [], ["a GUI"]),
    ("Exclude anything graphical.", [], ["graphical"]),
    ("Ignore packages that only provide documentation.", [], ["only provide documentation"]),
    ("Web apps and daemons: not relevant.", [], ["Web apps and daemons"]),
    ("Not relevant: GUI apps", [], ["GUI apps"]),
    ("Irrelevant: web browsers and mail clients.", [], ["web browsers and mail clients"]),
    ("Audio tag editors. Editors that only handle MP3 files aren't relevant here.", ["Audio tag editors."],
     ["Editors that only handle MP3 files"]),
    # --- "No X", "non-": a determiner at the start is a cue, a prefix inside a word is not -----------
    ("No GUI programs.", [], ["GUI programs"]),
    ("Not GUI programs.", [], ["GUI programs"]),
    ("Nothing graphical.", [], ["graphical"]),
    ("non-free software is not relevant", [], ["non-free software"]),
    ("Non-free software is welcome.", ["Non-free software is welcome."], []),
    ("A tool for a headless machine with no desktop.", ["A tool for a headless machine with no desktop."], []),
    # --- modal negation: the excluded concept is the predicate --------------------------------------
    ("must not require root", [], ["requires root"]),
    ("The tool must not require root.", [], ["requires root"]),
    ("It must not be graphical.", [], ["graphical"]),
    ("A backup tool; it should never phone home.", ["A backup tool"], ["phones home"]),
    # --- "X, not Y" and other contrasts inside a wanted clause --------------------------------------
    ("Command-line tools, not GUI programs.", ["Command-line tools"], ["GUI programs"]),
    ("I want a Python library but not a Java one.", ["I want a Python library"], ["a Java one"]),
    ("anything but Java", [], ["Java"]),
    ("I'll take anything but Java.", [], ["Java"]),
    ("Python tools rather than shell scripts.", ["Python tools"], ["shell scripts"]),
    ("All editors except vim.", ["All editors"], ["vim"]),
    ("I keep a sourdough starter on my counter and want a bread recipe that uses it instead of yeast.",
     ["I keep a sourdough starter on my counter and want a bread recipe that uses it"], ["yeast"]),
    # --- "not only X but also Y": both wanted ---------------------------------------------------------
    ("Not only editors but also viewers are relevant.", ["Not only editors but also viewers are relevant."], []),
    ("It should not only edit tags but also rename files.",
     ["It should not only edit tags but also rename files."], []),
    # --- neither wanted nor excluded: indifference is kept as text -------------------------------------
    ("Whether or not it has a GUI does not matter.", ["Whether or not it has a GUI does not matter."], []),
    ("I don't care whether it is graphical or not.", ["I don't care whether it is graphical or not."], []),
    ("Regardless of whether it is free software, it must edit ID3 tags.",
     ["Regardless of whether it is free software, it must edit ID3 tags."], []),
    ("With or without a GUI is fine.", ["With or without a GUI is fine."], []),
    ("No matter the interface, it must edit FLAC tags.", ["No matter the interface, it must edit FLAC tags."], []),
    # --- double negation ----------------------------------------------------------------------------
    ("It is not true that CLI tools are irrelevant.", ["It is not true that CLI tools are irrelevant."], []),
    ("CLI tools are not irrelevant.", ["CLI tools are not irrelevant."], []),
    ("Any language other than Python is not relevant.", ["Python"], []),
    ("Anything but Java is not relevant.", ["Java"], []),
    # --- all cue and no concept -----------------------------------------------------------------------
    ("Everything else is not relevant.", [], []),
    ("Anything else is irrelevant.", [], []),
    ("Not relevant.", [], []),
    ("They are not relevant.", [], []),
    ("Packages on other subjects are not relevant.", [], []),
    ("Documents about anything else are not relevant.", [], []),
    # --- empty input ----------------------------------------------------------------------------------
    (None, [], []),
    ("", [], []),
    ("   ", [], []),
    # --- lists: one concept per clause (see the module docs of instructret.instructions) --------------
    ("GUI programs, web apps or daemons are not relevant.", [], ["GUI programs, web apps or daemons"]),
    ("Neither GUI programs nor web apps are relevant.", [], ["GUI programs", "web apps"]),
    ("I want neither plugins nor libraries.", [], ["plugins", "libraries"]),
    ("I want CLI tools and I don't want GUI front-ends.", ["I want CLI tools"], ["GUI front-ends"]),
    ("Additionally, I don't want to type track names by hand: the ripper must be able to fetch album and "
     "track information automatically.",
     ["the ripper must be able to fetch album and track information automatically."], ["type track names by hand"]),
    # --- a negated noun phrase under a negated predicate is a double negation: wanted text ----------
    ("A relevant document must mention FLAC. Documents that do not mention FLAC are not relevant.",
     ["A relevant document must mention FLAC.", "Documents that do not mention FLAC are not relevant."], []),
    ("Rippers whose description does not mention an online lookup are not relevant.",
     ["Rippers whose description does not mention an online lookup are not relevant."], []),
    ("Editors, or converters that do not extract from CDs, are not relevant.", [],
     ["Editors, or converters that do not extract from CDs"]),
    # --- a sentence filled from a template may start in lower case; abbreviations do not end one -----
    ("Relevant documents describe puzzle games. programs with a graphical user interface do not satisfy the "
     "request and are not relevant.", ["Relevant documents describe puzzle games."],
     ["programs with a graphical user interface"]),
    ("Libraries, plugins etc. are not relevant.", [], ["Libraries, plugins etc"]),
    # --- corrections and second main clauses ----------------------------------------------------------
    ("I don't need a GUI, just a CLI.", ["just a CLI."], ["a GUI"]),
    ("Programs for KDE are fine, but GNOME ones are not.", ["Programs for KDE are fine"], ["GNOME ones"]),
    ("GUI apps? Not relevant.", [], ["GUI apps"]),
    ("Only console tools, nothing graphical.", ["Only console tools"], ["graphical"]),
    ("Not web apps, but desktop applications.", ["desktop applications"], ["web apps"]),
    ("No, I want command-line tools.", ["No, I want command-line tools."], []),
    ("I need a text editor that is not graphical.", ["I need a text editor"], ["graphical"]),
    # --- TREC narratives ------------------------------------------------------------------------------
    ("A relevant document describes a chess engine. Documents that only mention chess in passing are not "
     "relevant.", ["A relevant document describes a chess engine."], ["only mention chess in passing"]),
    ("A relevant document gives a bread recipe leavened with a sourdough starter. Recipes that use commercial "
     "yeast or baking powder are not relevant.",
     ["A relevant document gives a bread recipe leavened with a sourdough starter."],
     ["Recipes that use commercial yeast or baking powder"]),
    ("alpha1 is wanted. Anything about beta1 is not relevant.", ["alpha1 is wanted."], ["beta1"]),
    # --- the exclusion sentence the synthesis styles write (styles.exclusion_clause) ------------------
    ("Not relevant: command-line programs.", [], ["command-line programs"]),
    ("Not relevant: anything for a user who wants to play chess online.", [],
     ["a user who wants to play chess online"]),
    ('Not relevant: anything that meets the need "I use a terminal all day".', [], ["I use a terminal all day"]),
    # --- facet training templates (instructret/facets/phrasing.py), filled ----------------------------
    (f"A relevant document describes a package that edits audio tags and {WANT_REQ}. A package that {OTHER_REQ} "
     "is not relevant.", [f"A relevant document describes a package that edits audio tags and {WANT_REQ}."],
     [OTHER_REQ]),
    (f"Relevant documents are about {WANT}, on the subject of audio tag editor. Documents about {OTHER} are not "
     "relevant, even when they are on the same subject.",
     [f"Relevant documents are about {WANT}, on the subject of audio tag editor."], [OTHER]),
    (f"The user is looking for a package that edits audio tags. To be relevant it must also be true that it "
     f"{WANT_REQ}; a package that {OTHER_REQ} is not relevant.",
     ["The user is looking for a package that edits audio tags.",
      f"To be relevant it must also be true that it {WANT_REQ}"], [OTHER_REQ]),
    (f"Documents must describe {WANT}. Documents about {OTHER} do not meet the need and are not relevant.",
     [f"Documents must describe {WANT}."], [OTHER]),
    (f"A document is relevant if the package it describes {WANT_REQ}. Documents about a package that {OTHER_REQ} "
     "are not relevant, however well they match the topic.",
     [f"A document is relevant if the package it describes {WANT_REQ}."], [OTHER_REQ]),
    (f"For my setup I need {WANT}; I have no use for {OTHER}.", [f"For my setup I need {WANT}"], [OTHER]),
    (f"I'm looking for something that edits audio tags, and it has to be one that {WANT_REQ}.",
     [f"I'm looking for something that edits audio tags, and it has to be one that {WANT_REQ}."], []),
    (f"Show {WANT} and nothing else.", [f"Show {WANT} and nothing else."], []),
    (f"Audio tag editor. Documents about {OTHER} are not relevant.", ["Audio tag editor."], [OTHER]),
    (f"Anything that {OTHER_REQ} is not relevant.", [], [OTHER_REQ]),
    (f"Any package that {OTHER_REQ} is not relevant; I want {WANT}.", [f"I want {WANT}."], [OTHER_REQ]),
    (f"Exclude {OTHER}: documents about them are not relevant.", [], [OTHER]),
    (f"Audio tag editor: {WANT} only. Documents about {OTHER} are not relevant.", [f"Audio tag editor: {WANT} only."],
     [OTHER]),
    # --- facet-built FollowIR instructions (instructret/facets/followir_build.py), filled -------------
    (f"Relevant documents describe a package that is a puzzle game. Packages on other subjects are not relevant. "
     f"In addition, the package {WANT_REQ}. A package that {OTHER_REQ} or is used through a web interface is not "
     "relevant, even if it fits the subject.",
     ["Relevant documents describe a package that is a puzzle game.", f"In addition, the package {WANT_REQ}."],
     [f"{OTHER_REQ} or is used through a web interface"]),
    (f"A document is relevant when it is about puzzle games. Documents about anything else are not relevant. Only "
     f"{WANT} are relevant. Descriptions of {OTHER} or programs used through a web browser are not relevant, "
     "however close they are to the subject.",
     ["A document is relevant when it is about puzzle games.", f"Only {WANT} are relevant."],
     [f"{OTHER} or programs used through a web browser"]),
    (f"Find packages whose description shows that the package is a puzzle game; unrelated packages are not "
     f"relevant. It also has to be true that the package {WANT_REQ}; {OTHER} do not satisfy the request and are "
     "not relevant.",
     ["Find packages whose description shows that the package is a puzzle game",
      f"It also has to be true that the package {WANT_REQ}"], [OTHER]),
    # --- real narratives (sentences copied from the shared FollowIR dev set) -------------------------
    ("Programming libraries, language bindings, development and documentation packages are not relevant.", [],
     ["Programming libraries, language bindings, development and documentation packages"]),
    ("Media players, CD rippers, converters and CD burners that only read or write tags as a side feature are not "
     "relevant, and neither are tools that merely rename, sort, search or report on files using their existing "
     "tags.", [],
     ["Media players, CD rippers, converters and CD burners that only read or write tags as a side feature",
      "tools that merely rename, sort, search or report on files using their existing tags"]),
    ("Client libraries, language bindings, development, documentation and data packages are not relevant, nor are "
     "plugins that only extend another MPD client, the MPD server itself or servers that merely speak the MPD "
     "protocol.", [],
     ["Client libraries, language bindings, development, documentation and data packages",
      "plugins that only extend another MPD client, the MPD server itself or servers that merely speak the MPD "
      "protocol"]),
    ("Background daemons that only scrobble plays, bridge MPD to another interface or fill the playlist "
     "automatically, without offering the user direct control, are not relevant either.", [],
     ["Background daemons that only scrobble plays, bridge MPD to another interface or fill the playlist "
      "automatically, without offering the user direct control"]),
    ("Additionally, I control MPD over SSH on a headless machine, so the client must run inside a terminal, either "
     "as command-line commands or as a full-screen text-mode (e.g. ncurses) interface; graphical clients, "
     "including desktop panel applets, are not relevant.",
     ["Additionally, I control MPD over SSH on a headless machine, so the client must run inside a terminal, "
      "either as command-line commands or as a full-screen text-mode (e.g. ncurses) interface"],
     ["graphical clients, including desktop panel applets"]),
    ("Additionally, I script my subtitle work in Python, so only software written in Python (Python modules, or "
     "applications implemented in Python) is relevant; programs and libraries implemented in other languages are "
     "not.",
     ["Additionally, I script my subtitle work in Python, so only software written in Python (Python modules, or "
      "applications implemented in Python) is relevant"],
     ["programs and libraries implemented in other languages"]),
    ("Additionally, it will run on a headless machine with no desktop, so only command-line tools or background "
     "daemons/services that capture without a graphical user interface are relevant; GUI camera applications are "
     "not.",
     ["Additionally, it will run on a headless machine with no desktop, so only command-line tools or background "
      "daemons/services that capture without a graphical user interface are relevant"],
     ["GUI camera applications"]),
    ("Voice, language-support, lexicon and other speech data packages are not relevant; nor are shared libraries, "
     "development files, language bindings, plugins and output modules (for Speech Dispatcher, Qt or GStreamer), "
     "or screen readers and phonetics tools that merely use or study speech synthesis.", [],
     ["Voice, language-support, lexicon and other speech data packages",
      "shared libraries, development files, language bindings, plugins and output modules (for Speech Dispatcher, "
      "Qt or GStreamer), or screen readers and phonetics tools that merely use or study speech synthesis"]),
    ("A relevant package is a software synthesizer: a program or audio plugin that generates musical instrument "
     "sound in real time from MIDI notes by actual synthesis (for example subtractive, FM, additive, "
     "phase-modulation, modular or organ modelling).",
     ["A relevant package is a software synthesizer: a program or audio plugin that generates musical instrument "
      "sound in real time from MIDI notes by actual synthesis (for example subtractive, FM, additive, "
      "phase-modulation, modular or organ modelling)."], []),
    ("Additionally, I need speech in languages other than English, so the description must state that the engine "
     "can speak at least one non-English language (being multi-lingual counts); English-only engines and those "
     "whose description names no supported language are not relevant.",
     ["Additionally, I need speech in languages, so the description must state that the engine can speak at least "
      "one non-English language (being multi-lingual counts)"],
     ["English", "English-only engines and those whose description names no supported language"]),
    ("Terminal-session recorders that store text instead of images, keystroke displays, web-page screenshot "
     "libraries, and video editors or players are not relevant.", [],
     ["Terminal-session recorders that store text instead of images, keystroke displays, web-page screenshot "
      "libraries, and video editors or players"]),
    ("Additionally, I want to watch my collection of movie DVDs, so only players whose description says they can "
     "play DVD discs are relevant; players that do not mention DVD playback are not relevant.",
     ["Additionally, I want to watch my collection of movie DVDs, so only players whose description says they can "
      "play DVD discs are relevant", "players that do not mention DVD playback are not relevant."], []),
    ("Additionally, I work on a KDE Plasma desktop and only want editors with a graphical interface built on the Qt "
     "toolkit; editors using GTK or other toolkits, and command-line tools, are not relevant.",
     ["Additionally, I work on a KDE Plasma desktop and only want editors with a graphical interface built on the "
      "Qt toolkit"], ["editors using GTK or other toolkits, and command-line tools"]),
    ("A relevant package is a general-purpose media player application. Libraries, plugins and documentation "
     "packages are not relevant. Audio-only players and video downloaders are not relevant either.",
     ["A relevant package is a general-purpose media player application."],
     ["Libraries, plugins and documentation packages", "Audio-only players and video downloaders"]),
]


def _norm(items) -> list[str]:
    return [" ".join(s.split()).strip(" .;:,!?") for s in items]


def test_the_table_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize(("text", "wanted", "excluded"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_rules_parser_reads_each_phrasing(text, wanted, excluded):
    split = split_instruction(text)
    assert split.parser == "rules"
    assert (_norm(split.wanted), _norm(split.excluded)) == (_norm(wanted), _norm(excluded))


@pytest.mark.parametrize(("text", "wanted", "excluded"), CASES, ids=[str(c[0])[:60] for c in CASES])
def test_states_exclusion_agrees_with_the_parser(text, wanted, excluded):
    assert states_exclusion(text or "") == bool(excluded)


@pytest.mark.parametrize("style", sorted(TEMPLATES))
def test_every_facet_template_excludes_exactly_the_other_value(style):
    words = ViewWords("puzzle game", "is a puzzle game",
                      _Value(WANT, WANT_REQ), _Value(OTHER, OTHER_REQ))
    for template in TEMPLATES[style]:
        text = fill(template, words)
        split = split_instruction(text)
        names_other = "{other" in template
        assert _norm(split.excluded) == ([OTHER_REQ] if "{other_req}" in template else [OTHER] if names_other
                                         else []), text
        assert not any(OTHER in w or OTHER_REQ in w for w in split.wanted), text


def test_every_facet_followir_instruction_excludes_exactly_the_other_values():
    words = {"topic": "puzzle games", "topic_req": "is a puzzle game", "want": WANT, "want_req": WANT_REQ,
             "other_req": f"{OTHER_REQ} or is used through a web interface",
             "others": f"{OTHER} or programs used through a web browser"}
    for og in OG_TEMPLATES:
        assert split_instruction(og.format(**words)).excluded == ()
        for parts in CHANGED_TEMPLATES:
            for changed in CHANGED_PARTS:
                text = og.format(**words) + changed_addition(parts, changed).format(**words)
                split = split_instruction(text)
                expected = words["other_req"] if "{other_req}" in parts[1] else words["others"]
                assert _norm(split.excluded) == ([] if changed == "requirement" else [expected]), text
                assert not any(OTHER in w or OTHER_REQ in w for w in split.wanted), text


class _Value:
    """A facet value's words (what :class:`ViewWords` reads)."""

    def __init__(self, phrase: str, requirement: str):
        self.phrase, self.requirement = phrase, requirement


# --- the API around the parser ------------------------------------------------------------------------


def test_split_instruction_value_and_its_renderings():
    split = split_instruction("Only terminal programs. Graphical editors are not relevant.")
    assert isinstance(split, SplitInstruction)
    assert split.wanted_text == "Only terminal programs."
    assert split.to_dict() == {"wanted": ["Only terminal programs."], "excluded": ["Graphical editors"]}
    assert format_split(split) == "wanted: Only terminal programs.\nexcluded: Graphical editors"
    empty = split_instruction(None)
    assert empty.wanted_text == "" and empty.to_dict() == {"wanted": [], "excluded": []}
    assert format_split(empty) == "wanted: (nothing)\nexcluded: (nothing)"


def test_format_split_lists_several_items_one_per_line_prefix():
    split = SplitInstruction(("a", "b"), ("x", "y"), "rules")
    lines = format_split(split).splitlines()
    assert lines[0].startswith("wanted:") and lines[-1].startswith("excluded:")
    assert "a" in lines[0] and "b" in lines[0] and "x" in lines[-1] and "y" in lines[-1]


def test_explicit_exclusions_are_added_deduplicated_in_order():
    split = split_instruction("Editors. GUI tools are not relevant.",
                              exclude=["web apps", " GUI tools ", "", "Web apps"])
    assert split.excluded == ("GUI tools", "web apps")
    assert split.wanted == ("Editors.",)
    only = split_instruction(None, exclude=["plugins"])
    assert only.excluded == ("plugins",) and only.wanted == ()
    # the none parser also takes explicit exclusions
    assert split_instruction("x", parser="none", exclude=["y"]).excluded == ("y",)


def test_none_parser_is_todays_behaviour():
    text = "  Only terminal programs. Graphical editors are not relevant. "
    split = split_instruction(text, parser="none")
    assert split == SplitInstruction((text.strip(),), (), "none")
    assert split_instruction("   ", parser="none").wanted == ()
    assert split_instruction(None, parser="none").wanted == ()


def test_registry_names_the_three_kinds_and_takes_new_ones():
    assert {"rules", "none", "llm"} <= set(PARSERS)
    assert get_parser("rules").split("No GUIs.").excluded == ("GUIs",)
    with pytest.raises(InstructretError, match="unknown instruction parser 'nope'.*rules"):
        get_parser("nope")
    with pytest.raises(InstructretError, match="unknown instruction parser"):
        split_instruction("x", parser="nope")

    @register_parser("shout")
    class ShoutParser(InstructionParser):
        name = "shout"

        def split(self, text: str | None) -> SplitInstruction:
            return SplitInstruction(((text or "").upper(),), (), self.name)

    try:
        assert "shout" in PARSERS
        assert split_instruction("hi", parser="shout").wanted == ("HI",)
        assert split_instruction("hi", parser=ShoutParser()).parser == "shout"
    finally:
        PARSERS.pop("shout")


def test_llm_parser_needs_a_config():
    with pytest.raises(InstructretError, match="LLMConfig"):
        get_parser("llm")


def test_rules_parser_is_fast():
    # it runs once per query: thousands of distinct instructions a second, with no cache to help
    texts = [f"{row[0]} Variant {i}." for i in range(30) for row in CASES if row[0]]
    parser = get_parser("rules")
    start = time.perf_counter()
    for text in texts:
        parser.split(text)
    per_second = len(texts) / (time.perf_counter() - start)
    assert per_second > 1000, per_second
