"""Loading FollowIR sets: the tiny fixture in every supported file format and layout, and clear errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from followir_helpers import TINY, tiny_expected

from instructret.errors import InputError, InstructretError
from instructret.evaluation import load_followir

TABLES = ("corpus", "queries", "qrels_og", "qrels_changed", "top_ranked")


def _rows(table: str) -> list[dict]:
    return [json.loads(line) for line in (TINY / f"{table}.jsonl").read_text().splitlines() if line.strip()]


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "set"
    shutil.copytree(TINY, out)
    return out


def _same(a, b) -> None:
    assert a.corpus == b.corpus
    assert a.queries == b.queries
    assert a.qrels_og == b.qrels_og and a.qrels_changed == b.qrels_changed
    assert a.top_ranked == b.top_ranked
    assert {q: sorted(d) for q, d in a.changed_docs.items()} == {q: sorted(d) for q, d in b.changed_docs.items()}


def test_tiny_fixture_loads(tiny):
    exp = tiny_expected()
    assert tiny.name == "followir_tiny"
    assert tiny.summary() == exp["summary"]
    assert tiny.changed_docs == exp["changed_docs"]
    assert len(tiny.candidate_ids()) == exp["distinct_candidates"]
    title_and_text = "kid3: audio metadata editor for KDE Edits ID3 and Vorbis comments in many files at once."
    assert tiny.doc_text("kid3") == title_and_text
    assert tiny.doc_text("picard").startswith("Picard is")  # no title: just the text
    assert tiny.queries["q2"].instruction_changed.endswith("without re-encoding.")
    assert tiny.revision.startswith("sha256:")


def test_tsv_and_parquet_give_the_same_dataset(tmp_path, tiny):
    tsv, parquet = tmp_path / "tsv", tmp_path / "parquet"
    tsv.mkdir()
    parquet.mkdir()
    for table in TABLES:
        rows = _rows(table)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with (tsv / f"{table}.tsv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, columns, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
            writer.writeheader()
            writer.writerows(rows)
        # parquet shards in a folder, as a hub snapshot holds them
        (parquet / table).mkdir()
        half = len(rows) // 2
        for i, part in enumerate((rows[:half], rows[half:])):
            if part:
                pq.write_table(pa.Table.from_pylist(part), parquet / table / f"part-{i}.parquet")
    _same(load_followir(tsv), tiny)
    _same(load_followir(parquet), tiny)


def test_mteb_layout_gives_the_same_dataset(tmp_path, tiny):
    """The -mteb hub variants: suffixed query ids, separate instructions, one qrels table, qrel_diff."""
    out = tmp_path / "mteb"
    out.mkdir()
    shutil.copy(TINY / "corpus.jsonl", out / "corpus.jsonl")
    queries, instructions, qrels, top, diff = [], [], [], [], []
    for q in _rows("queries"):
        for kind in ("og", "changed"):
            queries.append({"_id": f"{q['_id']}-{kind}", "text": q["text"]})
            instructions.append({"query-id": f"{q['_id']}-{kind}", "instruction": q[f"instruction_{kind}"]})
            top.append({"query-id": f"{q['_id']}-{kind}", "corpus-ids": tiny.top_ranked[q["_id"]]})
    for kind in ("og", "changed"):
        qrels += [{**r, "query-id": f"{r['query-id']}-{kind}"} for r in _rows(f"qrels_{kind}")]
    diff = [{"query-id": q, "corpus-ids": d} for q, d in tiny.changed_docs.items()]
    for name, rows in (("queries", queries), ("instruction", instructions), ("default", qrels),
                       ("top_ranked", top), ("qrel_diff", diff)):
        (out / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _same(load_followir(out), tiny)
    (out / "qrel_diff.jsonl").unlink()  # without qrel_diff the changes come from the two judgment sets
    _same(load_followir(out), tiny)


@pytest.mark.parametrize(
    ("table", "line", "content", "match"),
    [
        ("queries", 2, "{not json", r"queries.jsonl:2: not valid JSON"),
        ("queries", 1, json.dumps({"_id": "q1", "text": "x", "instruction_og": "y"}),
         r"queries.jsonl:1: field 'instruction_changed': required field is missing"),
        ("qrels_og", 3, json.dumps({"query-id": "q1", "corpus-id": "easytag", "score": "high"}),
         r"qrels_og.jsonl:3: field 'score'"),
        ("corpus", 2, json.dumps({"_id": "puddletag", "text": "again"}),
         r"corpus.jsonl:2: field '_id': duplicate document id 'puddletag'"),
        ("top_ranked", 1, json.dumps({"qid": "q1"}), r"top_ranked.jsonl:1: field 'pid': required field is missing"),
    ],
)
def test_malformed_rows_name_file_line_and_field(tmp_path, table, line, content, match):
    root = _copy(tmp_path)
    path = root / f"{table}.jsonl"
    lines = path.read_text().splitlines()
    lines[line - 1] = content
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=match):
        load_followir(root)


def test_dataset_level_problems_are_clear(tmp_path):
    root = _copy(tmp_path)
    with (root / "top_ranked.jsonl").open("a") as fh:
        fh.write(json.dumps({"qid": "q1", "pid": "no-such-doc"}) + "\n")
    # a candidate outside the corpus is excluded and reported, like every dangling reference
    (excl,) = load_followir(root).excluded
    n = len((root / "top_ranked.jsonl").read_text().splitlines())
    assert excl.message() == (f"{root / 'top_ranked.jsonl'}:{n}: 1 top_ranked row excluded from scoring: "
                              "document not in the corpus (first: 'no-such-doc')")

    root = _copy(tmp_path / "b")
    (root / "qrels_changed.jsonl").write_text((root / "qrels_og.jsonl").read_text())
    with pytest.raises(InputError, match="p-MRR is undefined"):
        load_followir(root)

    root = _copy(tmp_path / "c")
    (root / "qrels_og.jsonl").unlink()
    with pytest.raises(InputError, match="no 'qrels_og' table"):
        load_followir(root)

    root = _copy(tmp_path / "d")
    shutil.copy(root / "corpus.jsonl", root / "corpus.tsv")
    with pytest.raises(InputError, match="table 'corpus' is given twice"):
        load_followir(root)

    root = _copy(tmp_path / "e")
    (root / "qrels_og.jsonl").write_text(
        (root / "qrels_og.jsonl").read_text() + json.dumps({"query-id": "q1", "corpus-id": "kid3", "score": 1}) + "\n"
    )
    with pytest.raises(InputError, match="conflicting judgments"):
        load_followir(root)


def test_missing_directory_and_unknown_names(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load_followir(tmp_path / "absent")
    with pytest.raises(InstructretError, match="unknown FollowIR dataset"):
        load_followir("robust05")


def test_hub_dataset_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(InstructretError, match=r"could not load dataset 'jhu-clsp/core17-instructions'.*local dir"):
        load_followir("core17")
