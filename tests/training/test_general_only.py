"""Training on general pairs only (no dual-view pairs): the ablation's "general only" baseline."""

from __future__ import annotations

import json

import pytest

from instructret.errors import InstructretError
from instructret.formatting import InstructionTemplate
from instructret.training import DualViewBatchSampler, TrainConfig, build_training_set, train_dual_view

TOPICS = ["chess engine", "email client", "text editor", "music player", "web browser", "pdf reader",
          "image viewer", "calendar", "calculator", "file manager"]


@pytest.fixture()
def general_file(tmp_path):
    path = tmp_path / "general.jsonl"
    rows = [{"query": f"a {t}", "positive": {"id": f"g{i}", "text": f"pkg{i}: a {t} for the desktop, number {i}."}}
            for i, t in enumerate(TOPICS)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_no_pairs_uses_the_whole_general_pool_every_epoch(general_file):
    tset = build_training_set([], InstructionTemplate("{query} {instruction}"), general=general_file,
                              general_ratio=3.0)
    assert tset.stats.pairs == 0 and tset.stats.units == 0
    assert tset.stats.general_available == len(TOPICS)
    assert tset.stats.general_per_epoch == len(TOPICS)  # not ratio x 0 pairs
    assert tset.stats.rows_per_epoch == len(TOPICS)
    assert tset.columns["anchor"] == [f"a {t}" for t in TOPICS]  # no instruction: the bare query

    sampler = DualViewBatchSampler(tset.to_dataset(), 4, False, seed=3, layout=tset.layout)
    for epoch in (0, 1):
        batches = sampler.epoch_batches(epoch)
        assert len(batches) == 3
        assert sorted(r for b in batches for r in b) == list(range(len(TOPICS)))  # every row exactly once


def test_no_pairs_and_no_general_is_an_error():
    with pytest.raises(InstructretError, match="no dual-view pairs"):
        build_training_set([], InstructionTemplate("{query} {instruction}"))


def test_train_on_general_only(general_file, tmp_path):
    result = train_dual_view(TrainConfig(
        pairs=[], general=general_file, output_dir=tmp_path / "model", model="minilm", device="cpu",
        batch_size=4, max_steps=3, max_seq_length=32, lr=1e-5, logging_steps=1, save_steps=100,
        show_progress=False,
    ))
    assert result.global_step == 3
    assert result.data.pairs == 0 and result.data.general_per_epoch == len(TOPICS)
    assert (tmp_path / "model" / "modules.json").is_file()
