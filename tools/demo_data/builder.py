"""Generate the bundled demo data deterministically (standard library only).

Run ``python -m tools.demo_data --out instructret/demo/data`` from the repository root to regenerate the committed
files (the installed package ships only the files, not this generator):

- ``seeds.jsonl``: seed tuples for synthesis (the hard negative is on-topic but violates the instruction);
- ``general.jsonl``: instruction-free general pairs (short description -> full description);
- ``followir/``: a FollowIR-format evaluation set with original and changed instructions.

All documents describe fictional software composed from attribute records (:mod:`tools.demo_data.items`)
with hand-written sentence templates (:mod:`tools.demo_data.text`); relevance is derived from the
attributes. Training files use :data:`~tools.demo_data.train_topics.TRAIN_TOPICS`, the evaluation set uses
:data:`~tools.demo_data.eval_topics.EVAL_TOPICS`, and the two are disjoint.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .followir_spec import EVAL_QUERIES, EvalQuery
from .instructions import STYLES, seed_instruction
from .items import Item, NameForge, Requirement, make_item
from .text import article, join_words, render
from .topics import Topic
from .train_topics import TRAIN_TOPICS

#: Where the installed package reads the files: ``instructret/demo/data`` in this checkout.
DATA_DIR = Path(__file__).resolve().parents[2] / "instructret" / "demo" / "data"
DEFAULT_SEED = 20250101
N_SEEDS = 24
N_GENERAL = 300
FOLLOWIR_FILES = ("corpus.jsonl", "queries.jsonl", "qrels_og.jsonl", "qrels_changed.jsonl", "top_ranked.jsonl")
# Topics too close to judge cleanly against each other's instructions are never mixed as filler candidates.
_CONFUSABLE = {frozenset({"podcast", "feedreader"})}
# Requirement kinds of successive seeds: 24 seeds give three of each kind.
_SEED_KINDS = ("terminal", "open_source", "platform", "offline", "format", "graphical", "web", "language")

Row = dict[str, Any]


@dataclass
class DemoData:
    """Everything the builder writes, as rows ready for JSON.

    Attributes:
        seeds: Rows of ``seeds.jsonl``.
        general: Rows of ``general.jsonl``.
        followir: File name (see :data:`FOLLOWIR_FILES`) -> rows of that file.
    """

    seeds: list[Row]
    general: list[Row]
    followir: dict[str, list[Row]]


def _doc(item: Item, with_title: bool = True) -> Row:
    title, text = render(item)
    return {"id": item.id, "text": f"{title} {text}" if with_title else text}


def _keep_counts(n_relevant: int) -> list[int]:
    """How many of ``n_relevant`` docs may stay relevant so that 30-60% lose relevance."""
    return [k for k in range(1, n_relevant) if 0.3 <= (n_relevant - k) / n_relevant <= 0.6]


def _query_items(q: EvalQuery, forge: NameForge, rng: random.Random) -> list[Item]:
    """The judged items of one query: its topic's apps (some meeting the added requirement), non-apps, neighbours."""
    n_apps = rng.randint(6, 8)
    n_keep = rng.choice(_keep_counts(n_apps))
    items = [q.requirement.force(make_item(q.topic, "app", forge, rng), i < n_keep, rng) for i in range(n_apps)]
    n_plugins = 3 if q.topic.plugin_short else 0
    items += [make_item(q.topic, "plugin", forge, rng) for _ in range(n_plugins)]
    items += [make_item(q.topic, "library", forge, rng) for _ in range(8 - n_plugins)]
    items += [make_item(q.neighbour, "app", forge, rng) for _ in range(6)]
    items += [make_item(q.neighbour, "library", forge, rng) for _ in range(2)]
    return items


def build_followir(forge: NameForge, rng: random.Random) -> dict[str, list[Row]]:
    """Build the FollowIR-format demo set from :data:`~tools.demo_data.followir_spec.EVAL_QUERIES`.

    Under the original instruction a candidate is relevant iff it is an application of the query's topic;
    under the changed one it must also meet the query's requirement. Each query's candidates are its own
    judged items plus a few items of other queries, in shuffled order.
    """
    own = {q.qid: _query_items(q, forge, rng) for q in EVAL_QUERIES}
    corpus = [item for q in EVAL_QUERIES for item in own[q.qid]]
    rows: dict[str, list[Row]] = {name: [] for name in FOLLOWIR_FILES}
    for item in corpus:
        title, text = render(item)
        rows["corpus.jsonl"].append({"_id": item.id, "title": title, "text": text})
    for q in EVAL_QUERIES:
        rows["queries.jsonl"].append({"_id": q.qid, "text": q.text, "instruction_og": q.instruction_og,
                                      "instruction_changed": q.instruction_changed})
        fillers = [it for other in EVAL_QUERIES if other.qid != q.qid
                   and frozenset({q.topic.key, other.topic.key}) not in _CONFUSABLE for it in own[other.qid]]
        candidates = own[q.qid] + rng.sample(fillers, rng.randint(3, 5))
        rng.shuffle(candidates)
        for item in candidates:
            relevant = item.topic == q.topic and item.kind == "app"
            rows["top_ranked.jsonl"].append({"qid": q.qid, "pid": item.id})
            rows["qrels_og.jsonl"].append({"query-id": q.qid, "corpus-id": item.id, "score": int(relevant)})
            if relevant:
                rows["qrels_changed.jsonl"].append(
                    {"query-id": q.qid, "corpus-id": item.id, "score": int(q.requirement.holds(item))})
    return rows


def _requirement(kind: str, topic: Topic, rng: random.Random) -> Requirement | None:
    """A requirement of ``kind`` with a drawn value, or ``None`` when it does not fit ``topic``."""
    value = {"platform": rng.choice(("Windows", "macOS", "Linux")),
             "format": rng.choice(topic.formats) if topic.formats else "",
             "language": rng.choice(("Python", "Rust", "Go"))}.get(kind, "")
    req = Requirement(kind, value)
    return req if req.applies_to(topic) else None


def build_seeds(forge: NameForge, rng: random.Random, n: int = N_SEEDS) -> list[Row]:
    """Build ``n`` seed tuples over the training topics, cycling through requirement kinds and styles.

    Each seed takes the least-used training topic that fits its requirement kind. The positive meets the
    requirement; the single negative is an application of the same topic that violates it, so polarity
    reversal can swap their labels.
    """
    topics = list(TRAIN_TOPICS)
    rng.shuffle(topics)
    used = {t.key: 0 for t in topics}
    rows: list[Row] = []
    for i in range(n):
        kind = _SEED_KINDS[i % len(_SEED_KINDS)]
        fitting = [(t, req) for t in topics if (req := _requirement(kind, t, rng)) is not None]
        topic, req = min(fitting, key=lambda pair: used[pair[0].key])
        used[topic.key] += 1
        style = STYLES[i % len(STYLES)]
        pos = req.force(make_item(topic, "app", forge, rng), True, rng)
        neg = req.force(make_item(topic, "app", forge, rng), False, rng)
        rows.append({
            "query": topic.noun,
            "instruction": seed_instruction(req, topic.noun, style),
            "positive": _doc(pos),
            "negatives": [_doc(neg)],
            "requirement": f"{req.kind}:{req.value}" if req.value else req.kind,
            "style": style,
        })
    return rows


_IFACE_QUERY = {"cli": "command-line", "tui": "terminal-based", "gui": "desktop", "web": "browser-based"}


def _general_query(item: Item, rng: random.Random) -> str:
    """A short search-style description of ``item`` that paraphrases rather than copies its text."""
    t = item.topic
    if item.kind == "library":
        return rng.choice((f"{item.does} in {item.language}", f"{item.language} package for {item.does}"))
    if item.kind == "plugin":
        return rng.choice((f"{t.plugin_short} plugin for {article(t.plugin_host)} {t.plugin_host}",
                           f"add {t.plugin_adds} to {article(t.plugin_host)} {t.plugin_host}"))
    options = [f"{_IFACE_QUERY[item.interface or 'cli']} {t.noun}", f"{t.noun} that {item.features[0]}",
               f"{t.noun} written in {item.language}"]
    if item.platforms:
        options.append(f"{t.noun} for {join_words(item.platforms, 'or')}")
    else:
        options.append(f"{'online' if item.account else 'self-hosted'} {t.noun}")
    if item.account is not None:
        options.append(f"{t.noun} with cloud sync" if item.account else f"offline {t.noun} without an account")
    if item.formats:
        options.append(f"{t.noun} with {rng.choice(item.formats)} support")
    return rng.choice(options)


def build_general(forge: NameForge, rng: random.Random, n: int = N_GENERAL) -> list[Row]:
    """Build ``n`` general pairs over the training topics: query = short description, positive = full text."""
    rows: list[Row] = []
    for i in range(n):
        topic = TRAIN_TOPICS[i % len(TRAIN_TOPICS)]
        roll = rng.random()
        kind = "library" if roll < 0.2 else "plugin" if roll < 0.3 and topic.plugin_short else "app"
        item = make_item(topic, kind, forge, rng)
        rows.append({"query": _general_query(item, rng), "positive": _doc(item, with_title=False)})
    return rows


def build_all(seed: int = DEFAULT_SEED) -> DemoData:
    """Build every demo file's rows; the same ``seed`` always gives the same rows.

    Raises:
        ValueError: If two documents got the same id (a generator bug, checked here so it cannot ship).
    """
    forge = NameForge(random.Random(f"{seed}:names"))
    data = DemoData(
        followir=build_followir(forge, random.Random(f"{seed}:followir")),
        seeds=build_seeds(forge, random.Random(f"{seed}:seeds")),
        general=build_general(forge, random.Random(f"{seed}:general")),
    )
    ids = [r["_id"] for r in data.followir["corpus.jsonl"]]
    ids += [d["id"] for r in data.seeds for d in (r["positive"], *r["negatives"])]
    ids += [r["positive"]["id"] for r in data.general]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate document ids in generated demo data")
    return data


def _write_jsonl(path: Path, rows: Sequence[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_demo_data(out: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write ``seeds.jsonl``, ``general.jsonl`` and ``followir/*.jsonl`` under ``out``.

    Other files in ``out`` (the quickstart's ``corpus.jsonl``, ``README.md``) are left alone.

    Returns:
        The paths written.
    """
    out = Path(out)
    data = build_all(seed)
    files: dict[Path, Sequence[Row]] = {out / "seeds.jsonl": data.seeds, out / "general.jsonl": data.general}
    files.update({out / "followir" / name: rows for name, rows in data.followir.items()})
    for path, rows in files.items():
        _write_jsonl(path, rows)
    return list(files)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m tools.demo_data --out DIR [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="random seed (the committed files use the default)")
    args = parser.parse_args(argv)
    for path in write_demo_data(args.out, args.seed):
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
