"""The demo-data generator: deterministic, committed files up to date, texts state every judged fact."""

from __future__ import annotations

import random
import re

import pytest

from instructret.data import GeneralPair, SeedTuple, read_records
from instructret.demo import demo_path, general_path, seeds_path
from instructret.errors import InputError
from tools.demo_data import DEFAULT_SEED, build_all, main, write_demo_data
from tools.demo_data.eval_topics import EVAL_TOPICS
from tools.demo_data.followir_spec import EVAL_QUERIES
from tools.demo_data.items import OPEN_LICENCES, PROPRIETARY, NameForge, Requirement, make_item
from tools.demo_data.text import render
from tools.demo_data.train_topics import TRAIN_TOPICS


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.jsonl"))}


def test_generation_is_deterministic_and_the_cli_writes_the_same_bytes(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    write_demo_data(a)
    assert main(["--out", str(b)]) == 0
    assert "seeds.jsonl" in capsys.readouterr().out
    assert _files(a) == _files(b)
    assert len(_files(a)) == 7


def test_the_seed_matters():
    assert build_all(DEFAULT_SEED).seeds != build_all(DEFAULT_SEED + 1).seeds


def test_committed_files_equal_a_fresh_generation(tmp_path):
    written = write_demo_data(tmp_path)
    for path in written:
        rel = path.relative_to(tmp_path).as_posix()
        committed = demo_path(rel)
        assert committed.read_bytes() == path.read_bytes(), (
            f"{rel} is stale: run `python -m tools.demo_data --out instructret/demo/data`")


def test_bundled_data_is_small():
    total = sum(p.stat().st_size for p in demo_path(".").rglob("*") if p.is_file())
    assert total < 2_000_000


def test_missing_demo_file_is_a_clear_error():
    with pytest.raises(InputError, match="bundled demo data is missing"):
        demo_path("no-such-file.jsonl")


def test_seeds_parse_and_pair_an_on_topic_positive_with_an_on_topic_violating_negative():
    seeds = read_records(seeds_path(), SeedTuple)
    assert len(seeds) == 24
    for s in seeds:
        assert s.instruction and len(s.negatives) == 1
        neg = s.negatives[0]
        assert s.positive.id != neg.id
        # Both documents are about the query's kind of software (the title names it).
        assert s.query in s.positive.text
        assert s.query in neg.text
    assert len({s.model_extra["style"] for s in seeds}) == 6
    assert len({s.model_extra["requirement"].split(":")[0] for s in seeds}) == 8


def test_general_pairs_parse_and_paraphrase_rather_than_copy():
    pairs = read_records(general_path(), GeneralPair)
    assert len(pairs) == 300
    assert len({p.positive.id for p in pairs}) == 300
    for p in pairs:
        assert p.query.lower() not in p.positive.text.lower()
        assert len(p.positive.text) > 3 * len(p.query)


def test_training_and_evaluation_never_share_documents_or_topics():
    data = build_all()
    eval_ids = {r["_id"] for r in data.followir["corpus.jsonl"]}
    train_docs = [d for r in data.seeds for d in (r["positive"], *r["negatives"])]
    train_docs += [r["positive"] for r in data.general]
    assert eval_ids.isdisjoint(d["id"] for d in train_docs)
    assert {t.key for t in TRAIN_TOPICS}.isdisjoint(t.key for t in EVAL_TOPICS)
    eval_nouns = [n.lower() for t in EVAL_TOPICS for n in (t.noun, *t.aliases)]
    for d in train_docs:
        text = d["text"].lower()
        assert not [n for n in eval_nouns if n in text], d["id"]
    for q in EVAL_QUERIES:
        assert q.topic in EVAL_TOPICS and q.neighbour in EVAL_TOPICS


@pytest.mark.parametrize("topic", TRAIN_TOPICS + EVAL_TOPICS, ids=lambda t: t.key)
def test_every_judged_fact_is_stated_in_the_text(topic):
    # Relevance is computed from item facts; this checks the texts actually say them.
    rng = random.Random(topic.key)
    forge = NameForge(rng)
    for _ in range(12):
        item = make_item(topic, "app", forge, rng)
        title, text = render(item)
        full = f"{title} {text}"
        assert title.startswith(f"{item.id}: ")
        assert item.language in full
        for fmt in item.formats:
            assert fmt in full
        for platform in item.platforms:
            assert platform in full
        if item.licence == PROPRIETARY:
            assert re.search(r"proprietary|closed", full, re.I)
        else:
            assert OPEN_LICENCES[item.licence] in full
        cue = {"cli": r"command line|command-line", "tui": r"terminal", "gui": r"graphical|desktop",
               "web": r"browser"}[item.interface]
        assert re.search(cue, full), (item.interface, full)
        if item.account is not None:
            assert re.search(r"account|sign-up|cloud|offline", full)
            assert bool(re.search(r"requires? .*account|sign in|are required", full)) == item.account, full


@pytest.mark.parametrize("kind,value", [("terminal", ""), ("graphical", ""), ("web", ""), ("open_source", ""),
                                        ("platform", "Windows"), ("offline", ""), ("format", "animated GIF"),
                                        ("language", "Python")])
def test_force_makes_an_item_satisfy_or_violate_its_requirement(kind, value):
    req = Requirement(kind, value)
    topics = [t for t in TRAIN_TOPICS + EVAL_TOPICS if req.applies_to(t)]
    assert topics
    rng = random.Random(kind)
    forge = NameForge(rng)
    for topic in topics:
        for satisfy in (True, False):
            item = req.force(make_item(topic, "app", forge, rng), satisfy, rng)
            assert req.holds(item) is satisfy
    lib = make_item(topics[0], "library", forge, rng)
    assert not req.holds(lib)
