import json
import math

import pytest

from instructret.encoder import InstructEncoder
from instructret.errors import InstructretError
from instructret.evaluation import evaluate_followir
from instructret.evaluation.loaders import load_followir
from instructret.facets import FacetFollowIRConfig, build_facet_followir, load_vocabulary

VOCAB = load_vocabulary("debtags")


def build(corpus, out, **kw):
    kw.setdefault("topic_fraction", 1.0)
    kw.setdefault("min_relevant", 4)
    return build_facet_followir(FacetFollowIRConfig(corpus=corpus, out=out, show_progress=False, **kw))


@pytest.fixture(scope="module")
def built(sample_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("facet-followir") / "set"
    return build(sample_corpus, out), out


def test_judgments_follow_the_facets(built, sample_corpus):
    report, out = built
    raw = {json.loads(line)["_id"]: json.loads(line) for line in sample_corpus.read_text().splitlines()}
    ds = load_followir(out)
    assert report["queries"] == len(ds.queries) >= 3
    assert report["candidates"] == sum(len(v) for v in ds.top_ranked.values())
    for qid, q in ds.queries.items():
        row = next(json.loads(line) for line in (out / "queries.jsonl").read_text().splitlines()
                   if json.loads(line)["_id"] == qid)
        f = row["facets"]
        topic_family, topic_value = f["topic"].split("/")
        assert q.text == VOCAB.value(topic_family, topic_value).query
        assert q.instruction_changed.startswith(q.instruction_og) and len(q.instruction_changed) > len(q.instruction_og)
        og, changed = ds.qrels_og[qid], ds.qrels_changed[qid]
        assert set(og) == set(ds.top_ranked[qid])  # every candidate is judged
        relevant = {d for d, s in og.items() if s > 0}
        kept = {d for d, s in changed.items() if s > 0}
        assert kept < relevant and set(changed) == relevant  # changed-relevant is a strict subset
        assert 0.2 <= len(kept) / len(relevant) <= 0.8
        assert set(ds.changed_docs[qid]) == relevant - kept
        for d in ds.top_ranked[qid]:
            facets, _ = VOCAB.resolve(VOCAB.tags_of(raw[d]), f"{raw[d]['title']} {raw[d]['text']}")
            assert topic_family in facets  # only documents tagged in the topic's family are judged
            assert (topic_value in facets[topic_family]) == (d in relevant)
            if d in relevant:  # judged under both instructions: one known value in the family
                (value,) = facets[f["family"]]
                assert (value == f["value"]) == (d in kept)
    # the FollowIR benchmark runs on it
    res = evaluate_followir(InstructEncoder("minilm", device="cpu"), ds, show_progress=False)
    assert all(math.isfinite(v) for v in res.scores.values()) and len(res.scores) == 3
    assert res.counts["queries"] == report["queries"]


def test_deterministic_and_excludes(built, sample_corpus, tmp_path):
    report, out = built
    again = build(sample_corpus, tmp_path / "again")
    assert again == report
    for name in ("corpus", "queries", "qrels_og", "qrels_changed", "top_ranked"):
        assert (tmp_path / "again" / f"{name}.jsonl").read_text() == (out / f"{name}.jsonl").read_text()
    # a set built while excluding this one shares no topic and no document with it: on this small sample
    # nothing is left to build from
    with pytest.raises(InstructretError, match="no topic has"):
        build(sample_corpus, tmp_path / "other", exclude=[out])


def test_bad_settings(sample_corpus, tmp_path):
    with pytest.raises(InstructretError, match="topic fraction"):
        FacetFollowIRConfig(corpus=sample_corpus, out=tmp_path, topic_fraction=0)
    with pytest.raises(InstructretError, match="min relevant"):
        FacetFollowIRConfig(corpus=sample_corpus, out=tmp_path, min_relevant=10, max_relevant=5)


def test_changed_variants_differ_only_in_the_sentence_left_out(built, sample_corpus, tmp_path):
    """``--changed requirement`` drops the exclusion sentence, ``exclusion`` the requirement; judgments stay."""
    from instructret.synthesis.styles import states_exclusion

    report, out = built
    both = {q["_id"]: q for q in map(json.loads, (out / "queries.jsonl").read_text().splitlines())}
    for part in ("requirement", "exclusion"):
        variant = tmp_path / part
        assert build(sample_corpus, variant, changed=part)["changed_instruction"] == part
        for name in ("corpus", "qrels_og", "qrels_changed", "top_ranked"):
            assert (variant / f"{name}.jsonl").read_text() == (out / f"{name}.jsonl").read_text()
        for q in map(json.loads, (variant / "queries.jsonl").read_text().splitlines()):
            full = both[q["_id"]]
            assert q["instruction_og"] == full["instruction_og"] and q["text"] == full["text"]
            added = q["instruction_changed"][len(q["instruction_og"]):]
            full_added = full["instruction_changed"][len(full["instruction_og"]):]
            assert q["instruction_changed"].startswith(q["instruction_og"]) and 0 < len(added) < len(full_added)
            assert states_exclusion(added) == (part == "exclusion"), added
            assert added.strip()[0].isupper() and added.rstrip().endswith("."), added
    assert report["changed_instruction"] == "both"
    with pytest.raises(InstructretError, match="changed must be one of both, requirement, exclusion"):
        FacetFollowIRConfig(corpus=sample_corpus, out=tmp_path, changed="neither")
