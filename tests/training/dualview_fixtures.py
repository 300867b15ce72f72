"""Synthetic dual-view data where topic alone cannot pick the right document.

Every pair holds two documents on the same topic that differ in one attribute (interface, licence,
platform ...), and each instruction excludes the other document's kind, in its words. Topic cannot tell
the two apart, and word matching picks the wrong one, so a model has to learn what the instruction means.
Training and held-out pairs use disjoint topics.
"""

from __future__ import annotations

import json
from pathlib import Path

# attribute -> (doc phrase A, doc phrase B, what A is about, what B is about). Each view's instruction says
# that the *other* pole is not relevant, in the other document's own words: a model that matches words
# (as an untrained encoder does) picks the wrong document, one that reads the exclusion picks the right one.
ATTRIBUTES = {
    "interface": ("runs inside a text console and is driven from the keyboard",
                  "opens a desktop window with menus and toolbars",
                  "running inside a text console", "opening a desktop window with menus"),
    "licence": ("is free software released under the GNU General Public License",
                "is proprietary shareware that needs a paid licence key",
                "free software under the GNU GPL", "proprietary shareware with a paid licence key"),
    "platform": ("is built for Microsoft Windows and ships as an exe installer",
                 "is packaged for Debian and Ubuntu Linux distributions",
                 "built for Microsoft Windows", "packaged for Debian and Ubuntu Linux"),
    "audience": ("is aimed at children, with big colourful buttons and simple lessons",
                 "targets professionals, with scripting, plugins and advanced settings",
                 "aimed at children with colourful buttons", "for professionals with scripting and plugins"),
}

TRAIN_TOPICS = [
    "music player", "email client", "text editor", "file manager", "image viewer", "chat client",
    "calendar", "calculator", "web browser", "pdf reader", "torrent client", "news reader",
]
HELDOUT_TOPICS = ["password manager", "spreadsheet", "audio recorder", "video player", "note taking app",
                  "photo editor"]


def make_pairs(topics: list[str], attributes: list[str] | None = None) -> list[dict]:
    """One dual-view pair per (topic, attribute)."""
    rows = []
    for t, topic in enumerate(topics):
        for attribute in attributes or list(ATTRIBUTES):
            doc_a, doc_b, about_a, about_b = ATTRIBUTES[attribute]
            ins_a, ins_b = f"Anything {about_b} is not relevant.", f"Anything {about_a} is not relevant."
            slug = topic.replace(" ", "")
            rows.append({
                "query": topic,
                "instruction": ins_a,
                "instruction_reversed": ins_b,
                "positive": {"id": f"{slug}-{attribute}-a", "text": f"{slug}{t}a: a {topic} that {doc_a}."},
                "negative": {"id": f"{slug}-{attribute}-b", "text": f"{slug}{t}b: a {topic} that {doc_b}."},
                "attribute": attribute,
            })
    return rows


def general_pairs(n: int) -> list[dict]:
    """Plain (query -> positive) pairs on unrelated made-up tools."""
    return [{"query": f"tool number {i} for task {i % 7}",
             "positive": {"id": f"g{i}", "text": f"gtool{i}: a utility that performs task {i % 7} variant {i}."}}
            for i in range(n)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSONL and return the path."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def instruction_accuracy(encoder, pairs: list[dict], both_views: bool = False) -> float:  # noqa: ANN001
    """Share of views where the instruction-correct document scores higher than the other one.

    With ``both_views``, the share of pairs where *both* views pick their own document: a model that
    ignores the instruction picks the same document for both views and scores 0 there.
    """
    queries = [p["query"] for p in pairs] * 2
    instructions = [p["instruction"] for p in pairs] + [p["instruction_reversed"] for p in pairs]
    q = encoder.encode_queries(queries, instructions)
    pos = encoder.encode_documents([p["positive"]["text"] for p in pairs])
    neg = encoder.encode_documents([p["negative"]["text"] for p in pairs])
    n = len(pairs)
    a_right = (q[:n] * pos).sum(1) > (q[:n] * neg).sum(1)
    b_right = (q[n:] * neg).sum(1) > (q[n:] * pos).sum(1)
    if both_views:
        return float((a_right & b_right).mean())
    return float((a_right.sum() + b_right.sum()) / (2 * n))


def write_followir_dir(directory: Path, topics: list[str], attribute: str = "interface") -> Path:
    """A tiny FollowIR-format dev set: per topic, og instruction = view A, changed instruction = view B.

    Candidates are the topic's documents for every attribute; under the og instruction the view-A document
    of ``attribute`` is relevant, under the changed one the view-B document is.
    """
    directory.mkdir(parents=True, exist_ok=True)
    corpus, queries, qrels_og, qrels_changed, top = [], [], [], [], []
    for t, topic in enumerate(topics):
        qid = f"q{t}"
        rows = make_pairs([topic])
        chosen = next(r for r in rows if r["attribute"] == attribute)
        queries.append({"_id": qid, "text": topic, "instruction_og": chosen["instruction"],
                        "instruction_changed": chosen["instruction_reversed"]})
        for r in rows:
            for doc in (r["positive"], r["negative"]):
                corpus.append({"_id": doc["id"], "title": "", "text": doc["text"]})
                top.append({"qid": qid, "pid": doc["id"]})
                qrels_og.append({"query-id": qid, "corpus-id": doc["id"],
                                 "score": int(doc is chosen["positive"])})
                qrels_changed.append({"query-id": qid, "corpus-id": doc["id"],
                                      "score": int(doc is chosen["negative"])})
    for name, rows in (("corpus", corpus), ("queries", queries), ("qrels_og", qrels_og),
                       ("qrels_changed", qrels_changed), ("top_ranked", top)):
        write_jsonl(directory / f"{name}.jsonl", rows)
    return directory
