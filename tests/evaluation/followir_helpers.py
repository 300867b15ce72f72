"""Test helpers for the FollowIR suite: the tiny fixture and a hand-checkable bag-of-words encoder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "followir_tiny"


def tiny_expected() -> dict:
    """The hand-computed values of tests/fixtures/followir_tiny (see its README)."""
    return json.loads((TINY / "expected.json").read_text())


def keyword_encoder(template: str = "{query} {instruction}"):
    """A real sentence-transformers model (StaticEmbedding + Normalize) whose geometry is set by hand.

    Every package name of the fixture is a unit vector at a fixed angle and a few query keywords have fixed
    2-d vectors (keyword_model.json); all other tokens are [UNK] = 0. The fixture's rankings, and so its
    metrics, follow by hand from the angles.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    from instructret.encoder import InstructEncoder

    spec = json.loads((TINY / "keyword_model.json").read_text())
    rows = [[0.0, 0.0]]
    vocab = {"[UNK]": 0}
    for name, deg in spec["documents_deg"].items():
        vocab[name] = len(vocab)
        rows.append([math.cos(math.radians(deg)), math.sin(math.radians(deg))])
    for name, vec in spec["query_vectors"].items():
        vocab[name] = len(vocab)
        rows.append(vec)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    static = StaticEmbedding(tokenizer, embedding_weights=np.asarray(rows, dtype=np.float32))
    model = SentenceTransformer(modules=[static, Normalize()], device="cpu")
    return InstructEncoder.from_model(model, template=template, name="keyword-model")


def scores_from_ranking(ranking: list[str]) -> dict[str, float]:
    """A run for one query that puts the documents in the given order."""
    return {doc: float(len(ranking) - i) for i, doc in enumerate(ranking)}


def ranking(run: dict[str, float]) -> list[str]:
    """Documents of one query's run, best first."""
    return [d for d, _ in sorted(run.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]
