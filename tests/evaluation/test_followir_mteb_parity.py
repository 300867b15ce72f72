"""End-to-end parity: instructret's evaluation and mteb's own pipeline agree on the same model and data."""

from __future__ import annotations

import logging

import pytest
from followir_helpers import TINY
from shared_data import shared_data

from instructret.evaluation import evaluate_followir, load_followir


def _check(encoder, directory, caplog):
    # mteb's FollowIR tasks read the hub; LocalFollowIRTask is mteb's AbsTaskRetrieval reading local files
    from instructret.evaluation.mteb_parity import run_mteb_followir

    caplog.set_level(logging.ERROR, logger="mteb")
    theirs = run_mteb_followir(encoder.model, directory)
    ours = evaluate_followir(encoder, load_followir(directory), show_progress=False)
    assert ours.pmrr == pytest.approx(theirs["p-MRR"], abs=1e-9)
    # mteb rounds its aggregate IR scores to 5 decimals
    assert ours.map_at_1000 == pytest.approx(theirs["og"]["map_at_1000"], abs=1e-5)
    assert ours.ndcg_at_5 == pytest.approx(theirs["og"]["ndcg_at_5"], abs=1e-5)
    assert ours.changed["MAP@1000"] == pytest.approx(theirs["changed"]["map_at_1000"], abs=1e-5)
    return ours


def test_minilm_on_tiny_fixture_matches_mteb(minilm, caplog):
    _check(minilm, TINY, caplog)


def test_keyword_model_matches_mteb(keywords, caplog):
    _check(keywords, TINY, caplog)


@pytest.mark.slow
def test_minilm_on_the_dev_set_matches_mteb_and_the_readme(minilm, caplog):
    ours = _check(minilm, shared_data("followir-dev"), caplog)
    # ../shared/data/followir-dev/README.md: all-MiniLM-L6-v2, "{query} {instruction}"
    assert round(100 * ours.pmrr, 2) == 10.48
    assert round(100 * ours.map_at_1000, 2) == 46.60
    assert round(100 * ours.ndcg_at_5, 2) == 51.46
