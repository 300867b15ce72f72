import random

from instructret.facets import load_vocabulary
from instructret.facets.phrasing import FACET_STYLES, TEMPLATES, ViewWords, fill, write_pair_styles
from instructret.instructions import split_instruction
from instructret.synthesis.styles import STYLES, states_exclusion

VOCAB = load_vocabulary("debtags")
CLI, GUI = VOCAB.value("interface", "commandline"), VOCAB.value("interface", "graphical")
PUZZLE = VOCAB.value("game", "puzzle")


def test_styles_are_the_registered_ones():
    assert set(FACET_STYLES) <= set(STYLES)
    assert "requirement" in FACET_STYLES and STYLES["requirement"].requires_only
    assert all(len(TEMPLATES[s]) >= 4 for s in FACET_STYLES)


def test_every_template_reads_and_keeps_its_style_rules():
    words = ViewWords("puzzle game", PUZZLE.requirement, CLI, GUI)
    for style in FACET_STYLES:
        for template in TEMPLATES[style]:
            text = fill(template, words)
            assert "{" not in text and text[0].isupper(), text
            # every sentence starts with a capital letter
            assert all(s[0].isupper() for s in text.replace("; ", " ").split(". ") if s), text
            if STYLES[style].states_exclusion:
                assert states_exclusion(text), text
                assert GUI.phrase in text or GUI.requirement in text, text
            if STYLES[style].requires_only:  # the topic and one added condition, nothing named as not relevant
                assert CLI.requirement in text and GUI.phrase not in text and GUI.requirement not in text, text
                assert not states_exclusion(text) and not split_instruction(text).excluded, text
            if style == "short":  # requirement-only: what users often write, with nothing for the split to take
                assert len(text.split()) <= 12, text
                assert GUI.phrase not in text and GUI.requirement not in text, text
                assert not states_exclusion(text), text
                assert not split_instruction(text).excluded, text


def test_pair_styles_flip_the_need_and_are_seeded():
    a = write_pair_styles("puzzle game", PUZZLE.requirement, CLI, GUI, "seed-1", FACET_STYLES)
    assert a == write_pair_styles("puzzle game", PUZZLE.requirement, CLI, GUI, "seed-1", FACET_STYLES)
    for style, views in a.items():
        assert views["instruction"] != views["instruction_reversed"]
        if style == "short":
            assert CLI.phrase in views["instruction"] or CLI.requirement in views["instruction"]
            assert GUI.phrase in views["instruction_reversed"] or GUI.requirement in views["instruction_reversed"]
    # many seeds use several templates of every style (the model must not learn one sentence shape)
    seen = {s: set() for s in FACET_STYLES}
    for i in range(60):
        out = write_pair_styles("puzzle game", PUZZLE.requirement, CLI, GUI, f"k{i}", FACET_STYLES)
        for s in FACET_STYLES:
            seen[s].add(out[s]["instruction"])
    assert all(len(v) >= 4 for v in seen.values()), {s: len(v) for s, v in seen.items()}
    assert len({random.Random("k1").random(), random.Random("k2").random()}) == 2
