"""build_training_set: views, templates, general mixing, input errors, and instruction styles."""

from __future__ import annotations

import json

import pytest
from dualview_fixtures import TRAIN_TOPICS, general_pairs, make_pairs, write_jsonl

from instructret.errors import InputError, InstructretError
from instructret.formatting import InstructionTemplate
from instructret.training import DualViewBatchSampler, build_training_set


def test_dual_views_become_anchor_positive_rows(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:2], ["interface"])
    template = InstructionTemplate("Instruct: {instruction} Query: {query}")
    tset = build_training_set(write_jsonl(tmp_path / "p.jsonl", pairs), template)
    p = pairs[0]
    assert list(tset.columns) == ["anchor", "positive"]
    assert tset.columns["anchor"][:2] == [
        f"Instruct: {p['instruction']} Query: {p['query']}",
        f"Instruct: {p['instruction_reversed']} Query: {p['query']}",
    ]
    assert tset.columns["positive"][:2] == [p["positive"]["text"], p["negative"]["text"]]
    assert tset.layout.units[0] == ((0,), (1,))
    assert tset.stats.pairs == 2 and tset.stats.rows_per_epoch == 4
    assert tset.stats.files[0]["lines"] == 2 and len(tset.stats.files[0]["sha256"]) == 16


def test_original_view_only(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:3], ["licence"])
    tset = build_training_set(write_jsonl(tmp_path / "p.jsonl", pairs), InstructionTemplate(), views="original")
    assert tset.columns["positive"] == [p["positive"]["text"] for p in pairs]
    assert tset.columns["anchor"][0] == f"{pairs[0]['query']} {pairs[0]['instruction']}"
    assert all(len(u) == 1 for u in tset.layout.units)


def test_general_pairs_are_mixed_by_ratio(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:5], ["interface"]))
    general = write_jsonl(tmp_path / "g.jsonl", general_pairs(40))
    tset = build_training_set(pairs, InstructionTemplate(), general=general, general_ratio=3.0)
    assert tset.stats.general_available == 40
    assert tset.layout.pool_per_epoch == 15  # 3 general pairs per dual-view pair
    assert tset.stats.rows_per_epoch == 5 * 2 + 15
    assert "tool number 0 for task 0" in tset.columns["anchor"]  # plain query: no instruction
    capped = build_training_set(pairs, InstructionTemplate(), general=general, general_ratio=20.0)
    assert capped.layout.pool_per_epoch == 40


def test_explicit_negative_for_general_rows(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:2], ["interface"]))
    rows = general_pairs(3)
    rows[0]["negatives"] = [{"id": "n", "text": "a hard negative"}]
    tset = build_training_set(pairs, InstructionTemplate(), general=write_jsonl(tmp_path / "g.jsonl", rows),
                              explicit_negatives=True)
    general_rows = [r for (r,), in tset.layout.pool]
    negs = [tset.columns["negative"][r] for r in general_rows]
    assert negs[0] == "a hard negative"
    positives = {row["positive"]["text"] for row in rows}
    assert negs[1] in positives and negs[1] != rows[1]["positive"]["text"]


def test_errors_name_file_line_and_field(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:2], ["interface"])
    pairs[1]["negative"]["text"] = pairs[1]["positive"]["text"]
    path = write_jsonl(tmp_path / "p.jsonl", pairs)
    with pytest.raises(InputError, match=r"p\.jsonl:2: field 'negative.text': positive and negative have the same"):
        build_training_set(path, InstructionTemplate())
    del pairs[1]["instruction_reversed"]
    with pytest.raises(InputError, match=r"p\.jsonl:2: field 'instruction_reversed': required"):
        build_training_set(write_jsonl(path, pairs), InstructionTemplate())
    path.write_text(json.dumps(make_pairs(["x"], ["interface"])[0]) + "\n{not json\n")
    with pytest.raises(InputError, match=r"p\.jsonl:2: not valid JSON"):
        build_training_set(path, InstructionTemplate())
    with pytest.raises(InstructretError, match="views must be"):
        build_training_set(write_jsonl(path, make_pairs(["x"])), InstructionTemplate(), views="both")


def _styled_pairs():
    pairs = make_pairs(TRAIN_TOPICS[:4], ["interface"])
    for i, p in enumerate(pairs):
        p["styles"] = {
            "short": {"instruction": f"short A {i}", "instruction_reversed": f"short B {i}"},
            "narrative": {"instruction": f"narrative A {i}", "instruction_reversed": f"narrative B {i}"},
        }
        p["styles_failed"] = {"persona": "trivial reversal"}
    del pairs[3]["styles"]["narrative"]  # one row lacks a style: it falls back to what it has
    return pairs


def test_style_variants_are_rows_of_each_view(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", _styled_pairs())
    tset = build_training_set(path, InstructionTemplate(), styles=["original", "short", "narrative"])
    view_a, view_b = tset.layout.units[0]
    assert [tset.columns["anchor"][r] for r in view_a] == [
        f"{TRAIN_TOPICS[0]} {_styled_pairs()[0]['instruction']}", f"{TRAIN_TOPICS[0]} short A 0",
        f"{TRAIN_TOPICS[0]} narrative A 0",
    ]
    assert {tset.columns["positive"][r] for r in view_b} == {_styled_pairs()[0]["negative"]["text"]}
    assert tset.stats.styles == {"original": 8, "short": 8, "narrative": 6}
    assert tset.stats.rows_per_epoch == 8  # one style per view per epoch

    only = build_training_set(path, InstructionTemplate(), styles=["narrative"])
    assert only.stats.style_fallbacks == 2  # both views of the row without a narrative
    assert only.columns["anchor"][-1].endswith(_styled_pairs()[3]["instruction_reversed"])
    with pytest.raises(InstructretError, match="no row has the style.*persona"):
        build_training_set(path, InstructionTemplate(), styles=["persona"])


def test_style_mix_draws_one_style_per_view_per_epoch(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", _styled_pairs())
    tset = build_training_set(path, InstructionTemplate(), styles=["short", "narrative"])
    sampler = DualViewBatchSampler(list(range(len(tset))), 4, False, seed=0, layout=tset.layout)
    owner = {r: (u, v) for u, unit in enumerate(tset.layout.units) for v, view in enumerate(unit) for r in view}
    drawn = []
    for epoch in range(8):
        sampler.set_epoch(epoch)
        rows = [r for batch in sampler for r in batch]
        assert len(rows) == 8
        assert sorted(owner[r] for r in rows) == [(u, v) for u in range(4) for v in (0, 1)]  # one row per view
        for batch in sampler:
            assert all(sum(owner[r][0] == owner[b][0] for b in batch) == 2 for r in batch)  # views together
        drawn.append(tuple(tset.columns["anchor"][r].split()[-3] for r in rows))
    assert {"short", "narrative"} == {style for epoch in drawn for style in epoch}  # no original: not requested
    assert len(set(drawn)) > 1  # the draw changes from epoch to epoch
