"""The reranking protocol end to end on the tiny fixture, with a real (hand-set) sentence-transformers model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from followir_helpers import keyword_encoder, ranking, tiny_expected

from instructret.evaluation import MAP_1000, NDCG_5, P_MRR, EmbeddingCache, evaluate_followir, model_fingerprint


def test_rankings_and_metrics_match_the_hand_computation(tiny, keywords):
    exp = tiny_expected()
    res = evaluate_followir(keywords, tiny, show_progress=False)
    assert {q: ranking(r) for q, r in res.og_run.items()} == exp["rankings"]["og"]
    assert {q: ranking(r) for q, r in res.changed_run.items()} == exp["rankings"]["changed"]
    assert res.scores[P_MRR] == pytest.approx(exp["p-MRR"], abs=1e-12)  # ranks only: exact
    assert res.scores[MAP_1000] == pytest.approx(exp["MAP@1000"], abs=1e-9)
    assert res.scores[NDCG_5] == pytest.approx(exp["nDCG@5"], abs=1e-9)
    assert list(res.scores) == [P_MRR, MAP_1000, NDCG_5]
    assert res.changed == pytest.approx(exp["changed"], abs=1e-9)
    for qid, values in exp["per_query"].items():
        assert res.per_query[qid]["MAP@1000"] == pytest.approx(values["MAP@1000"], abs=1e-9)
        assert res.per_query[qid]["nDCG@5"] == pytest.approx(values["nDCG@5"], abs=1e-9)
        if values["p-MRR"] is None:  # no changed documents: NaN in memory, null in JSON
            assert math.isnan(res.per_query[qid]["p-MRR"])
        else:
            assert res.per_query[qid]["p-MRR"] == pytest.approx(values["p-MRR"], abs=1e-12)
    # every distinct candidate encoded once (easytag serves q1 and q2; vlc is never a candidate)
    assert res.docs_encoded == exp["distinct_candidates"] and res.docs_cached == 0
    d = res.to_dict()
    assert d["p-MRR"] == res.scores[P_MRR] and d["per_query"]["q3"]["p-MRR"] is None and "og_run" not in d
    assert d["counts"]["scored_pmrr"] == 2 and d["counts"]["queries"] == 3


def test_top_k_cuts_runs_like_mteb(tiny, keywords):
    res = evaluate_followir(keywords, tiny, show_progress=False, top_k=2)
    assert {q: ranking(r) for q, r in res.og_run.items()} == {
        q: r[:2] for q, r in tiny_expected()["rankings"]["og"].items()
    }


def test_cache_serves_a_rerun_and_persists(tmp_path, tiny, keywords):
    first = evaluate_followir(keywords, tiny, cache_dir=tmp_path, show_progress=False)
    assert first.docs_encoded == 14
    # a new process would rebuild the cache from disk: the rerun encodes nothing and scores the same
    again = evaluate_followir(keywords, tiny, cache_dir=tmp_path, show_progress=False)
    assert again.docs_encoded == 0 and again.docs_cached == 14
    assert again.og_run == first.og_run and again.scores == first.scores
    folder = tmp_path / model_fingerprint(keywords)
    assert len(list(folder.glob("shard-*.npz"))) == 1 and (folder / "model.json").is_file()


def test_cache_key_follows_the_weights_not_the_name(tmp_path, tiny):
    enc = keyword_encoder()
    key = model_fingerprint(enc)
    assert model_fingerprint(keyword_encoder()) == key
    with torch.no_grad():
        enc.model[0].embedding.weight[1] *= -1  # "fine-tune" one vector in place
    assert model_fingerprint(enc) != key


def test_cache_shards_survive_damage_and_compact(tmp_path):
    cache = EmbeddingCache("m", tmp_path)
    for i in range(40):
        cache.put([f"k{i}"], np.full((1, 3), i, dtype=np.float32))
    (tmp_path / "m" / "shard-99999999999999999999-1.npz").write_bytes(b"truncated")
    reopened = EmbeddingCache("m", tmp_path)  # skips the damaged shard, merges the 40 good ones
    assert len(reopened) == 40
    assert reopened.get(["k7"]).tolist() == [[7.0, 7.0, 7.0]]
    assert len(list((tmp_path / "m").glob("shard-*.npz"))) == 1
    assert reopened.missing(["k1", "new", "new"]) == ["new"]


def test_template_reaches_the_queries(tiny):
    # a template that adds the keyword "flac" turns q1's og query into the default changed one (0 -> 30 deg)
    res = evaluate_followir(keyword_encoder("{query} flac {instruction}"), tiny, show_progress=False)
    assert ranking(res.og_run["q1"]) == tiny_expected()["rankings"]["changed"]["q1"]
