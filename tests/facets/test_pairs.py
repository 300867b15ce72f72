import json
from collections import Counter

import pytest

from instructret.data.records import DualViewPair
from instructret.errors import InputError, InstructretError
from instructret.facets import FacetSynthConfig, load_vocabulary, read_faceted_corpus, synthesize_facet_pairs

VOCAB = load_vocabulary("debtags")


def run(corpus, out, **kw):
    kw.setdefault("max_pairs", None)
    kw.setdefault("general_ratio", 0.0)  # dual-view pairs only, unless a test asks for general pairs
    return synthesize_facet_pairs(FacetSynthConfig(corpus=corpus, out=out, show_progress=False, **kw))


def rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def full_run(sample_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("facets") / "pairs.jsonl"
    return run(sample_corpus, out), out


def test_pairs_follow_the_facets(full_run, sample_corpus):
    summary, out = full_run
    got = rows(out)
    assert len(got) == summary.pairs == summary.written > 10 and summary.present == 0
    assert summary.skipped == {"no facet tags": 5} and summary.rows == 71 and summary.docs == 66
    assert sum(summary.families.values()) == summary.pairs
    raw = {json.loads(line)["_id"]: json.loads(line) for line in sample_corpus.read_text().splitlines()}
    contrast = VOCAB.families_with("contrast")
    for row in got:
        pair = DualViewPair.model_validate(row)  # the project's pair schema
        f = row["facets"]
        assert row["instruction_source"] == "facets" and row["attribute"] == f["family"]
        pos_facets, _ = VOCAB.resolve(VOCAB.tags_of(raw[pair.positive.id]), pair.positive.text)
        neg_facets, _ = VOCAB.resolve(VOCAB.tags_of(raw[pair.negative.id]), pair.negative.text)
        topic_family, topic_value = f["topic"].split("/")
        assert topic_value in pos_facets[topic_family] and topic_value in neg_facets[topic_family]  # both on topic
        assert pos_facets[f["family"]] == {f["positive"]} and neg_facets[f["family"]] == {f["negative"]}
        assert f["positive"] != f["negative"]
        for other in contrast:  # no other known difference
            a, b = pos_facets.get(other), neg_facets.get(other)
            if other != f["family"] and a and b and len(a) == len(b) == 1:
                assert a == b, (row["pair_key"], other)
        assert set(row["styles"]) == {"short", "narrative", "persona", "exclusion", "requirement"}
        assert row["instruction"] == row["styles"][row["style"]]["instruction"]
        assert row["query"] == VOCAB.value(topic_family, topic_value).query
        assert raw[pair.positive.id]["title"] in pair.positive.text
    # at most max_per_doc (3) pairs per document, and no pair twice
    uses = Counter(d for r in got for d in (r["positive"]["id"], r["negative"]["id"]))
    assert max(uses.values()) <= 3
    assert len({(r["attribute"], frozenset((r["positive"]["id"], r["negative"]["id"]))) for r in got}) == len(got)


def test_negative_is_the_most_similar_eligible_document(full_run, sample_corpus):
    from instructret.encoder import InstructEncoder

    _, out = full_run
    corpus = read_faceted_corpus(sample_corpus, VOCAB)
    enc = InstructEncoder("minilm", device="cpu", max_seq_length=128)
    emb = enc.encode_documents([d.text for d in corpus.docs])
    index = {d.id: i for i, d in enumerate(corpus.docs)}
    contrast = VOCAB.families_with("contrast")
    for row in rows(out):
        fam, (tf, tv) = row["attribute"], row["facets"]["topic"].split("/")
        p = index[row["positive"]["id"]]
        pdoc = corpus.docs[p]
        eligible = [
            j for j, d in enumerate(corpus.docs)
            if tv in d.facets.get(tf, ()) and d.single(fam) not in (None, pdoc.single(fam)) and d.text != pdoc.text
            and not any(o != fam and pdoc.single(o) and d.single(o) and pdoc.single(o) != d.single(o) for o in contrast)
        ]
        best = max(eligible, key=lambda j: float(emb[p] @ emb[j]))
        assert corpus.docs[best].id == row["negative"]["id"]
        assert row["negative_choice"]["score"] == pytest.approx(float(emb[p] @ emb[best]), abs=1e-4)


def test_deterministic_and_resumable(full_run, sample_corpus, tmp_path):
    summary, out = full_run
    full = out.read_text()
    again = tmp_path / "again.jsonl"
    run(sample_corpus, again, cache_dir=out.with_name(out.name + ".cache"))
    assert again.read_text() == full
    # an interrupted run: some whole rows and a partial last line
    lines = full.splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:7]) + lines[7][:40])
    resumed = run(sample_corpus, cut)
    assert resumed.present == 7 and resumed.written == summary.pairs - 7
    assert cut.read_text() == full
    # a capped run is a prefix-free subset, and another seed picks differently
    capped = tmp_path / "capped.jsonl"
    assert run(sample_corpus, capped, max_pairs=5).pairs == 5
    assert {r["pair_key"] for r in rows(capped)} <= {r["pair_key"] for r in rows(out)}
    other = tmp_path / "other.jsonl"
    run(sample_corpus, other, seed=1, max_pairs=5)
    assert [r["pair_key"] for r in rows(other)] != [r["pair_key"] for r in rows(capped)]


def test_exclusions(full_run, sample_corpus, tmp_path):
    _, out = full_run
    first = rows(out)[0]
    evalset = tmp_path / "evalset"
    evalset.mkdir()
    (evalset / "corpus.jsonl").write_text(json.dumps({"_id": first["positive"]["id"], "text": "x"}) + "\n")
    (evalset / "queries.jsonl").write_text(json.dumps(
        {"_id": "q", "text": "archives", "facets": {"topic": "game/puzzle"}}) + "\n")
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": first["negative"]["id"], "text": "y"}) + "\n")
    res = tmp_path / "excluded.jsonl"
    summary = run(sample_corpus, res, exclude=[evalset, docs])
    got = rows(res)
    assert got and summary.skipped["excluded"] == 2 and summary.topics_excluded == 2  # game/puzzle; archives by query
    ids = {d for r in got for d in (r["positive"]["id"], r["negative"]["id"])}
    assert first["positive"]["id"] not in ids and first["negative"]["id"] not in ids
    topics = {r["facets"]["topic"] for r in got}
    assert "game/board" in topics and not topics & {"game/puzzle", "works-with/archive"}
    # a pairs file excludes its documents and topics too
    again = tmp_path / "from-pairs.jsonl"
    with pytest.raises(InstructretError, match="no pair found"):
        run(sample_corpus, again, exclude=[out])


def test_bad_input(sample_corpus, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(sample_corpus.read_text().splitlines()[0] + "\n" + json.dumps({"id": "x", "tags": "a::b"}) + "\n")
    with pytest.raises(InputError) as err:
        run(bad, tmp_path / "o.jsonl")
    assert (err.value.path, err.value.line, err.value.field) == (str(bad), 2, "text")
    dup = tmp_path / "dup.jsonl"
    line = sample_corpus.read_text().splitlines()[0]
    dup.write_text(line + "\n" + line + "\n")
    with pytest.raises(InputError, match="repeats line 1"):
        run(dup, tmp_path / "o.jsonl")
    (tmp_path / "outdir").mkdir()
    with pytest.raises(InstructretError, match="is a directory"):
        run(sample_corpus, tmp_path / "outdir")
    with pytest.raises(InstructretError, match="unknown style"):
        FacetSynthConfig(corpus=sample_corpus, out=tmp_path / "o.jsonl", styles=("poem",))
    lonely = tmp_path / "lonely.jsonl"
    lonely.write_text(line + "\n")
    with pytest.raises(InstructretError, match="no pair found"):
        run(lonely, tmp_path / "o.jsonl")


def test_general_pairs_in_the_same_file_train_without_a_second_one(full_run, sample_corpus, tmp_path):
    from instructret.formatting import InstructionTemplate
    from instructret.training import build_training_set

    summary, out = full_run
    mixed = tmp_path / "mixed.jsonl"
    got = run(sample_corpus, mixed, general_ratio=1.0, cache_dir=out.with_name(out.name + ".cache"))
    all_rows = rows(mixed)
    general = [r for r in all_rows if r.get("kind") == "general"]
    pairs = [r for r in all_rows if r.get("kind") != "general"]
    assert got.pairs == summary.pairs == len(pairs) and got.general == len(general) > 0
    assert got.written == len(all_rows) and len(general) <= summary.pairs
    assert [r["pair_key"] for r in pairs] == [r["pair_key"] for r in rows(out)]  # the pairs are unchanged
    topics = {r["facets"]["topic"] for r in pairs}
    for r in general:
        assert set(r) >= {"query", "positive", "pair_key"} and "instruction" not in r
        assert r["facets"]["topic"] in topics
    assert len({r["positive"]["id"] for r in general}) == len(general)
    assert run(sample_corpus, mixed, general_ratio=1.0).written == 0  # a rerun resumes, general rows included
    tset = build_training_set(mixed, InstructionTemplate(), general_ratio=1.0)
    assert tset.stats.pairs == len(pairs) and tset.stats.general_available == len(general)
    assert tset.stats.general_per_epoch == min(len(general), len(pairs))
