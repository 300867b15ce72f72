"""DualViewBatchSampler: whole units per batch, no document twice in a batch, same batches on resume."""

from __future__ import annotations

import pytest
from dualview_fixtures import TRAIN_TOPICS, general_pairs, make_pairs, write_jsonl

from instructret.formatting import InstructionTemplate
from instructret.training import BatchLayout, DualViewBatchSampler, build_training_set


def _sampler(tset, batch_size, seed=0, drop_last=False):
    return DualViewBatchSampler(list(range(len(tset))), batch_size, drop_last, seed=seed, layout=tset.layout)


def _pair_rows(tset):
    """Map each row to the index of the unit it belongs to and its view (0 = A, 1 = B)."""
    owner = {}
    for u, unit in enumerate(tset.layout.units):
        for v, view in enumerate(unit):
            for row in view:
                owner[row] = (u, v)
    return owner


@pytest.fixture()
def mixed_set(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:6])
    # General rows whose document equals a dual-view document must never share its batch.
    general = general_pairs(30) + [
        {"query": "a console music player", "positive": {"id": "dup", "text": pairs[0]["positive"]["text"]}},
        {"query": "a desktop music player", "positive": {"id": "dup2", "text": pairs[0]["negative"]["text"]}},
    ]
    return build_training_set(
        write_jsonl(tmp_path / "p.jsonl", pairs),
        InstructionTemplate(),
        general=write_jsonl(tmp_path / "g.jsonl", general),
        general_ratio=1.0,
        seed=3,
    )


def test_both_views_share_a_batch_and_no_document_repeats(mixed_set):
    owner = _pair_rows(mixed_set)
    sampler = _sampler(mixed_set, batch_size=8)
    docs = mixed_set.columns["positive"]
    for epoch in range(4):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        assert len(batches) == len(sampler)
        seen_units = set()
        for batch in batches:
            assert len(batch) <= 8
            texts = [docs[r] for r in batch]
            assert len(texts) == len(set(texts)), "a document text appears twice in one batch"
            units = {owner[r][0] for r in batch if r in owner}
            for u in units:  # both views of every pair present in this batch
                assert sorted(owner[r][1] for r in batch if owner.get(r, (None,))[0] == u) == [0, 1]
            seen_units |= units
        # every dual-view pair is used in every epoch; general rows fill the rest
        assert seen_units == set(range(len(mixed_set.layout.units)))
        n_general = sum(1 for b in batches for r in b if r not in owner)
        assert n_general == mixed_set.layout.pool_per_epoch


def test_colliding_general_rows_are_kept_apart(mixed_set):
    dup_texts = {mixed_set.columns["positive"][r] for r in range(len(mixed_set)) if r in _pair_rows(mixed_set)}
    general_rows = [r for (r,), in mixed_set.layout.pool if mixed_set.columns["positive"][r] in dup_texts]
    assert len(general_rows) == 2  # the fixture really has colliding rows
    # Draw every general row each epoch, over many epochs: the colliding ones must never sit with their twin.
    layout = BatchLayout(mixed_set.layout.units, mixed_set.layout.pool, len(mixed_set.layout.pool),
                         mixed_set.layout.row_docs)
    sampler = DualViewBatchSampler(list(range(len(mixed_set))), 8, False, seed=1, layout=layout)
    together = 0
    for epoch in range(20):
        sampler.set_epoch(epoch)
        for batch in sampler:
            texts = [mixed_set.columns["positive"][r] for r in batch]
            together += len(texts) - len(set(texts))
    assert together == 0


def test_epochs_differ_but_replay_identically(mixed_set):
    sampler = _sampler(mixed_set, batch_size=8, seed=5)
    first = sampler.epoch_batches(0)
    assert first == _sampler(mixed_set, batch_size=8, seed=5).epoch_batches(0)  # a resumed run sees the same
    assert first != sampler.epoch_batches(1)
    assert first != _sampler(mixed_set, batch_size=8, seed=6).epoch_batches(0)


def test_length_is_fixed_across_epochs_and_drop_last(mixed_set):
    rows = mixed_set.layout.rows_per_epoch
    assert len(_sampler(mixed_set, 8)) == -(-rows // 8)
    dropping = _sampler(mixed_set, 8, drop_last=True)
    assert len(dropping) == rows // 8
    for epoch in range(3):
        batches = dropping.epoch_batches(epoch)
        assert len(batches) == rows // 8
        assert all(len(b) == 8 for b in batches)


def test_batch_must_hold_a_pair(mixed_set):
    with pytest.raises(ValueError, match="cannot hold both views"):
        _sampler(mixed_set, batch_size=1)


def test_explicit_negatives_put_views_in_different_batches(tmp_path):
    pairs = make_pairs(TRAIN_TOPICS[:4])
    tset = build_training_set(
        write_jsonl(tmp_path / "p.jsonl", pairs), InstructionTemplate(), explicit_negatives=True
    )
    cols = tset.columns
    # view B of pair 0 holds view A's documents the other way round
    assert (cols["positive"][1], cols["negative"][1]) == (cols["negative"][0], cols["positive"][0])
    sampler = _sampler(tset, batch_size=4)
    assert len(sampler) == 2 * len(pairs) // 4
    for epoch in range(3):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        assert sorted(r for b in batches for r in b) == list(range(len(tset)))
        for batch in batches:
            texts = [cols[c][r] for r in batch for c in ("positive", "negative")]
            assert len(texts) == len(set(texts)), "the two views of a pair must not share a batch"
