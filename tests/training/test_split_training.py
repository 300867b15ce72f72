"""Split-aware training: the anchors are the query vectors search computes, and the model carries the split."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from dualview_fixtures import TRAIN_TOPICS, general_pairs, make_pairs, write_jsonl
from sentence_transformers.sentence_transformer.data_collator import SentenceTransformerDataCollator
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from instructret.encoder import InstructEncoder, load_sentence_transformer
from instructret.errors import InstructretError
from instructret.formatting import InstructionTemplate
from instructret.instructions import split_instruction
from instructret.query_config import read_query_config
from instructret.training import TrainConfig, build_training_set, train_dual_view
from instructret.training.dataset import QueryInput
from instructret.training.split_loss import SplitQueryLoss

TEMPLATE = InstructionTemplate()
#: One instruction with no exclusion, one with a wanted and an excluded clause, one that only excludes.
ROWS = [
    ("markdown editor", "Only terminal programs."),
    ("markdown editor", "Only terminal programs. Graphical editors are not relevant."),
    ("mail client", "Anything opening a desktop window with menus is not relevant."),
]


@pytest.fixture(scope="module")
def model():
    return load_sentence_transformer("minilm", device="cpu")


def test_query_input_is_what_search_embeds():
    read = QueryInput(TEMPLATE, "rules")
    for query, instruction in ROWS:
        text, excluded = read(query, instruction)
        split = split_instruction(instruction, parser="rules")
        if split.excluded:
            assert text == TEMPLATE.format(query, split.wanted_text) and excluded == tuple(split.excluded)
        else:  # nothing excluded: the whole instruction, exactly as without the split
            assert text == TEMPLATE.format(query, instruction) and excluded == ()
    text, excluded = read(*ROWS[1])
    assert text.startswith("markdown editor Only terminal programs") and "Graphical" not in text
    assert any("Graphical editors" in e for e in excluded)
    assert QueryInput(TEMPLATE, None)(*ROWS[1]) == (TEMPLATE.format(*ROWS[1]), ())
    assert read("mail client", None) == ("mail client", ())


def test_split_columns_pad_and_count(tmp_path):
    rows = make_pairs(TRAIN_TOPICS[:2], ["interface"])
    rows[0]["instruction"] = "Only terminal programs."  # no exclusion: joined anchor, count 0
    general = [{**g, "kind": "general"} for g in general_pairs(3)]  # general pairs inside the pairs file
    pairs = write_jsonl(tmp_path / "p.jsonl", rows + general)
    tset = build_training_set(pairs, TEMPLATE, split=True, general_ratio=1.0)
    cols = tset.columns
    assert list(cols)[:2] == ["anchor", "positive"] and cols["label"][-1] == 0
    k = tset.excluded_columns
    assert k >= 1 and list(cols)[2:] == [f"excluded_{j + 1}" for j in range(k)] + ["label"]
    assert cols["anchor"][0] == "music player Only terminal programs." and cols["label"][0] == 0
    for i, n in enumerate(cols["label"]):
        assert all(cols[f"excluded_{j + 1}"][i] == "" for j in range(n, k))
    assert tset.stats.pairs == 2 and tset.stats.general_available == 3 and tset.stats.general_per_epoch == 2
    assert tset.to_dataset().column_names == list(cols)
    joined = build_training_set(pairs, TEMPLATE, general_ratio=0.0)
    assert list(joined.columns) == ["anchor", "positive"] and joined.stats.general_per_epoch == 0


def _batch(model, tset):
    dataset = tset.to_dataset()
    collate = SentenceTransformerDataCollator(preprocess_fn=model.preprocess)
    batch = collate([dataset[i] for i in range(len(dataset))])
    features = [{k[len(c) + 1:]: v for k, v in batch.items() if k.startswith(c + "_")} for c in dataset.column_names
                if c != "label"]
    return features, batch.get("label")


def test_loss_sees_the_vector_search_computes(tmp_path, model):
    """The training anchors equal InstructEncoder's query vectors with the same parser, weight and template."""
    pairs = [{"query": q, "instruction": ins, "instruction_reversed": "Only graphical programs.",
              "positive": {"id": f"a{i}", "text": f"doc a{i}"}, "negative": {"id": f"b{i}", "text": f"doc b{i}"}}
             for i, (q, ins) in enumerate(ROWS)]
    tset = build_training_set(write_jsonl(tmp_path / "p.jsonl", pairs), TEMPLATE, split=True)
    features, labels = _batch(model, tset)
    model.eval()
    loss = SplitQueryLoss(model, 0.7, tset.excluded_columns)
    with torch.no_grad():
        anchors = loss.embed(features, labels)[0].numpy()
        value = float(loss(features, labels))
    encoder = InstructEncoder("minilm", device="cpu", parser="rules", exclusion_weight=0.7)
    queries = [q for q, _ in ROWS for _ in (0, 1)]
    instructions = [i for _, ins in ROWS for i in (ins, "Only graphical programs.")]
    np.testing.assert_allclose(anchors, encoder.encode_queries(queries, instructions), atol=2e-5)
    # with no excluded column, it is MultipleNegativesRankingLoss itself
    plain = build_training_set(write_jsonl(tmp_path / "j.jsonl", pairs), TEMPLATE)
    pf, pl = _batch(model, plain)
    with torch.no_grad():
        assert float(SplitQueryLoss(model, 0.7, 0)(pf, pl)) == pytest.approx(
            float(MultipleNegativesRankingLoss(model)(pf, pl)), abs=1e-6)
        docs = torch.tensor(encoder.encode_documents([p["positive"]["text"] for p in pairs]
                                                     + [p["negative"]["text"] for p in pairs]))
    assert np.isfinite(value) and value > 0 and docs.shape[0] == 6


def test_split_training_saves_parser_and_weight_and_resumes_only_alike(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:2]))
    out = tmp_path / "m"
    cfg = dict(pairs=[pairs], output_dir=out, device="cpu", batch_size=8, max_steps=2, max_seq_length=32,
               save_steps=1, keep_checkpoints=True, show_progress=False, split=True, exclusion_weight=0.4)
    result = train_dual_view(TrainConfig(**cfg))
    assert result.global_step == 2 and np.isfinite(result.train_loss)
    saved = read_query_config(out)
    assert saved.parser == "rules" and saved.exclusion_weight == 0.4 and saved.query_template == TEMPLATE.template
    assert saved.training["flags"]["split"] is True
    assert InstructEncoder(str(out), device="cpu").exclusion_weight == 0.4
    assert "trained on the composed query vector" in (out / "README.md").read_text()
    (out / "modules.json").unlink()  # an unfinished run with checkpoints: a resume must match the split settings
    with pytest.raises(InstructretError, match="exclusion_weight"):
        train_dual_view(TrainConfig(**{**cfg, "exclusion_weight": 0.6, "resume": True}))
    run = json.loads((out / "checkpoints" / "run_config.json").read_text())
    assert run["split"] is True and run["parser"] == "rules"


def test_joined_training_leaves_the_split_to_search(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", make_pairs(TRAIN_TOPICS[:2]))
    out = tmp_path / "m"
    train_dual_view(TrainConfig(pairs=[pairs], output_dir=out, device="cpu", batch_size=8, max_steps=1,
                                max_seq_length=32, show_progress=False, split=False))
    saved = read_query_config(out)
    assert saved.parser is None and saved.exclusion_weight is None and saved.training["flags"]["split"] is False
