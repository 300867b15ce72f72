"""Query vectors with the instruction split: what is excluded is pushed away, in one vector per query."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from instructret.cli.app import app
from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError
from instructret.formatting import compose_queries
from instructret.spec import DEFAULT_EXCLUSION_WEIGHT

QUERIES = ["markdown editor", "chess engine", "irc client"]
INSTRUCTIONS = [
    "Only terminal programs. Graphical editors are not relevant.",
    "It must speak the UCI protocol.",  # excludes nothing
    "Not relevant: bots and bouncers.",  # only an exclusion
]


def raw_vectors(encoder: InstructEncoder, texts: list[str]) -> np.ndarray:
    return encoder.model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture
def split(minilm) -> InstructEncoder:
    return InstructEncoder.from_model(minilm.model, minilm.template, exclusion_weight=0.5)


def test_weight_zero_and_parser_none_give_todays_vectors_bit_for_bit(minilm):
    today = raw_vectors(minilm, minilm.format_queries(QUERIES, INSTRUCTIONS))
    for settings in ({"exclusion_weight": 0}, {"parser": "none"}):
        enc = InstructEncoder.from_model(minilm.model, minilm.template, **settings)
        assert np.array_equal(enc.encode_queries(QUERIES, INSTRUCTIONS), today), settings


def test_the_split_vector_is_the_composed_one(split):
    vec = split.encode_queries(QUERIES[:1], INSTRUCTIONS[0])[0]
    main, excluded = raw_vectors(split, ["markdown editor Only terminal programs.", "Graphical editors"])
    expected = (main - 0.5 * excluded) / np.linalg.norm(main - 0.5 * excluded)
    np.testing.assert_allclose(vec, expected, atol=1e-6)
    np.testing.assert_allclose(compose_queries(main[None], excluded[None], 0.5)[0], expected, atol=1e-6)
    assert np.isclose(np.linalg.norm(vec), 1.0)


def test_an_instruction_without_exclusions_is_unchanged_and_one_with_only_exclusions_still_works(split):
    plans = split.plan_queries(QUERIES, INSTRUCTIONS)
    assert plans[1].text == "chess engine It must speak the UCI protocol." and plans[1].excluded == ()
    assert plans[2].text == "irc client" and plans[2].excluded == ("bots and bouncers",)
    vecs = split.encode_queries(QUERIES, INSTRUCTIONS)
    assert vecs.shape == (3, 384) and np.all(np.isfinite(vecs))
    np.testing.assert_allclose(vecs[1], raw_vectors(split, [plans[1].text])[0], atol=1e-6)


def test_explicit_exclusions_are_added_and_push_documents_down(split):
    docs = split.encode_documents(["mdcat: render Markdown in the terminal",
                                   "ghostwriter: graphical Markdown editor for the desktop",
                                   "markdown-mode: Emacs major mode for Markdown"])
    plain = split.encode_queries(["markdown editor"])
    excluding = split.encode_queries(["markdown editor"], exclude=["Emacs modes"])
    assert split.plan_queries(["markdown editor"], None, ["Emacs modes"])[0].excluded == ("Emacs modes",)
    drop = (plain @ docs.T - excluding @ docs.T)[0]
    assert drop[2] > drop[0] and drop[2] > drop[1]  # the excluded kind loses the most
    # per-query lists: one list (or None) per query
    per_query = split.encode_queries(QUERIES[:2], None, exclude=[["Emacs modes"], None])
    np.testing.assert_allclose(per_query[0], excluding[0], atol=1e-6)
    with pytest.raises(InstructretError, match="one list per query"):
        split.encode_queries(QUERIES, None, exclude=[["a"], ["b"]])


def test_all_texts_of_a_batch_go_through_one_encode_call(split, monkeypatch):
    calls = []
    real = split.model.encode
    monkeypatch.setattr(split.model, "encode", lambda texts, **kw: calls.append(list(texts)) or real(texts, **kw))
    split.encode_queries(QUERIES, INSTRUCTIONS, exclude=["web apps"])
    assert len(calls) == 1
    # every distinct text once: three mains, and "Graphical editors", "bots and bouncers", "web apps"
    assert len(calls[0]) == len(set(calls[0])) == 6


def test_weight_and_parser_are_checked_and_saved_values_win(tmp_path, minilm):
    with pytest.raises(InstructretError, match=r"exclusion weight must be in \[0, 2\]"):
        InstructEncoder.from_model(minilm.model, exclusion_weight=-0.1)
    with pytest.raises(InstructretError, match="unknown instruction parser"):
        InstructEncoder.from_model(minilm.model, parser="magic")
    assert InstructEncoder.from_model(minilm.model).exclusion_weight == DEFAULT_EXCLUSION_WEIGHT
    target = tmp_path / "model"
    minilm.model.save(str(target))
    (target / "instructret.json").write_text(json.dumps({"version": 2, "parser": "none", "exclusion_weight": 0.8}))
    enc = InstructEncoder(str(target), device="cpu")
    assert (enc.parser, enc.exclusion_weight) == ("none", 0.8)
    assert InstructEncoder(str(target), device="cpu", exclusion_weight=0.3).exclusion_weight == 0.3


def test_search_explain_and_flags(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps(d) + "\n" for d in [
        {"id": "mdcat", "text": "mdcat: render Markdown in the terminal"},
        {"id": "ghostwriter", "text": "ghostwriter: graphical Markdown editor"}]))
    db = str(tmp_path / "db")
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(docs), "-c", "docs", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["search", "markdown editor", "-i", "Only terminal programs. Graphical editors are not "
                              "relevant.", "--explain", "-c", "docs", "--db", db, "-x", "web apps"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "wanted: Only terminal programs."
    assert lines[1] == "excluded: Graphical editors; web apps"
    assert lines[2].startswith("exclusion weight: 0.5")
    assert res.output.index("mdcat") < res.output.index("ghostwriter")
    bad = runner.invoke(app, ["search", "q", "-c", "docs", "--db", db, "--exclusion-weight", "2.5"])
    assert bad.exit_code == 2 and "exclusion weight must be in [0, 2], got 2.5" in bad.output
    assert "Traceback" not in bad.output
