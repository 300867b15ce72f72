"""The bundled Debian sample: schema, counts, facets, and that a facet FollowIR set builds from it."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest

from instructret.demo import demo_path
from instructret.facets import FacetFollowIRConfig, build_facet_followir
from instructret.facets.vocabulary import load_vocabulary
from tools.debian_sample import build_documents, eligible_topics, select, write_gzip_jsonl

SAMPLE = "debian/packages.jsonl.gz"
PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


@pytest.fixture(scope="module")
def rows():
    with gzip.open(demo_path(SAMPLE), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_the_sample_ships_small_and_its_readme_states_its_count_source_and_licence(rows):
    assert demo_path(SAMPLE).stat().st_size < 1024 * 1024
    readme = demo_path("debian/README.md").read_text(encoding="utf-8")
    assert f"holds {len(rows)} real package descriptions" in readme
    assert "Translation-en" in readme and "Packages" in readme and "bookworm" in readme
    assert "Licence note" in readme
    assert "python -m tools.debian_sample" in readme


def test_every_row_has_the_facets_corpus_schema(rows):
    assert 3000 <= len(rows) <= 5000
    for row in rows:
        assert set(row) == {"_id", "title", "text", "section", "tags"}
        assert all(isinstance(v, str) for v in row.values())
        assert PACKAGE_NAME.match(row["_id"]), row["_id"]
        assert row["title"].startswith(row["_id"] + ": ")
        assert len(row["text"].split()) >= 15
        assert row["section"]
        assert "::" in row["tags"]
    ids = [r["_id"] for r in rows]
    assert ids == sorted(set(ids))  # unique, written sorted by name


def test_every_package_has_a_topic_and_a_contrast_and_topics_have_enough_documents(rows):
    vocabulary = load_vocabulary("debtags")
    topics = eligible_topics(rows, vocabulary)
    assert {i for idx in topics.values() for i in idx} == set(range(len(rows)))
    sizes = Counter({t: len(idx) for t, idx in topics.items()})
    assert sum(n >= 15 for n in sizes.values()) >= 100
    families = Counter(t.split("/")[0] for t, n in sizes.items() if n >= 15)
    assert len(families) >= 10  # the topics spread over most topic families, not one


def test_a_facet_followir_set_with_forty_queries_builds_from_it(rows, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = build_facet_followir(FacetFollowIRConfig(corpus=corpus, out=tmp_path / "eval", max_queries=60,
                                                      show_progress=False))
    assert report["queries"] >= 40
    assert report["topics"] >= 30
    assert report["corpus_skipped"] == {}


PACKAGES = """Package: tool-a
Section: utils
Tag: interface::commandline, use::editing

Package: lib-b
Section: libs

Package: tool-c
Section: games
Tag: game::puzzle, interface::x11
"""

TRANSLATIONS = """Package: tool-a
Description-en: edit things
 tool-a edits text files from the shell with many commands, one per line, and
 .
 it keeps a history of every change so you can undo and redo them later on.

Package: lib-b
Description-en: transitional package
 This is a transitional package for a library that moved; it can be removed safely after upgrading.

Package: tool-c
Description-en: short
 too short to keep
"""


def test_documents_are_built_as_the_shared_corpus_builder_builds_them():
    docs = build_documents(PACKAGES, TRANSLATIONS)
    assert [d["_id"] for d in docs] == ["tool-a"]  # lib-b is transitional, tool-c's description too short
    assert docs[0] == {
        "_id": "tool-a", "title": "tool-a: edit things", "section": "utils",
        "tags": "interface::commandline, use::editing",
        "text": "tool-a edits text files from the shell with many commands, one per line, and\n\n"
                "it keeps a history of every change so you can undo and redo them later on.",
    }


def test_selection_is_seeded_round_robin_and_skips_small_topics():
    topics = {"a/big": list(range(0, 50)), "b/mid": list(range(50, 70)), "c/small": [70, 71]}
    picked = select(topics, size=30, seed=0, min_topic=10, per_round=5)
    assert picked == select(topics, size=30, seed=0, min_topic=10, per_round=5)
    assert picked != select(topics, size=30, seed=1, min_topic=10, per_round=5)
    assert len(picked) == 30 and picked == sorted(picked)
    assert not {70, 71} & set(picked)
    assert sum(i >= 50 for i in picked) == 15  # the smaller topic keeps pace with the big one


def test_gzip_output_is_byte_stable(tmp_path):
    rows = [{"_id": "x", "title": "x: y", "text": "z", "section": "s", "tags": "a::b"}]
    write_gzip_jsonl(tmp_path / "1.gz", rows)
    write_gzip_jsonl(tmp_path / "2.gz", rows)
    assert (tmp_path / "1.gz").read_bytes() == (tmp_path / "2.gz").read_bytes()
    with gzip.open(tmp_path / "1.gz", "rt") as fh:
        assert json.loads(fh.read()) == rows[0]
