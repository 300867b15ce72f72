"""End-to-end parity: instructret's evaluation and mteb's own pipeline agree on the same model and data."""

from __future__ import annotations

import logging
import math

import pytest
from followir_helpers import TINY
from shared_data import shared_data

from instructret.encoder import InstructEncoder
from instructret.evaluation import MAP_1000, NDCG_5, P_MRR, evaluate_followir, load_followir


def _check(encoder, directory, caplog):
    # mteb's FollowIR tasks read the hub; LocalFollowIRTask is mteb's AbsTaskRetrieval reading local files
    from tests.support.mteb_parity import run_mteb_followir

    # mteb joins the whole instruction to the query: compare the unsplit model (exclusion weight 0)
    encoder = InstructEncoder.from_model(encoder.model, encoder.template, exclusion_weight=0)

    caplog.set_level(logging.ERROR, logger="mteb")
    theirs = run_mteb_followir(encoder.model, directory)
    ours = evaluate_followir(encoder, load_followir(directory), show_progress=False)
    assert ours.scores[P_MRR] == pytest.approx(theirs["p-MRR"], abs=1e-9)
    # mteb rounds its aggregate IR scores to 5 decimals
    assert ours.scores[MAP_1000] == pytest.approx(theirs["og"]["map_at_1000"], abs=1e-5)
    assert ours.scores[NDCG_5] == pytest.approx(theirs["og"]["ndcg_at_5"], abs=1e-5)
    assert ours.changed[MAP_1000] == pytest.approx(theirs["changed"]["map_at_1000"], abs=1e-5)
    return ours


def test_minilm_on_tiny_fixture_matches_mteb(minilm, caplog):
    _check(minilm, TINY, caplog)


def test_keyword_model_matches_mteb(keywords, caplog):
    _check(keywords, TINY, caplog)


@pytest.mark.slow
def test_minilm_on_the_dev_set_matches_mteb_and_the_readme(minilm, caplog):
    ours = _check(minilm, shared_data("followir-dev"), caplog)
    # ../shared/data/followir-dev/README.md: all-MiniLM-L6-v2, "{query} {instruction}"
    assert round(100 * ours.scores[P_MRR], 2) == 10.48
    assert round(100 * ours.scores[MAP_1000], 2) == 46.60
    assert round(100 * ours.scores[NDCG_5], 2) == 51.46


def test_a_query_judged_under_one_instruction_only_counts_as_in_mteb(tmp_path, keywords, caplog):
    # q3 keeps its changed judgments but loses its og ones: mteb drops "q3-og" before ranking, so q3
    # forms no p-MRR term there, even though its changed judgments differ from (absent) og ones
    import shutil

    root = tmp_path / "set"
    shutil.copytree(TINY, root)
    qrels_og = root / "qrels_og.jsonl"
    qrels_og.write_text("".join(line + "\n" for line in qrels_og.read_text().splitlines() if '"q3"' not in line))
    ours = _check(keywords, root, caplog)
    assert math.isnan(ours.per_query["q3"][P_MRR])
