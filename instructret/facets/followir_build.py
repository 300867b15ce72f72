"""FollowIR-format test sets built from facets: measure instruction following on a catalog with no hand judgments.

Each query is one topic value (its search-box query) plus one contrast value:

- the original instruction describes the topic; the documents tagged with the topic are relevant;
- the changed instruction adds the contrast ("only command-line programs"): relevant are the topic's documents
  with that value, so changed-relevant is a subset of og-relevant, and the topic's documents with another
  value of the family are the ones whose relevance changes (what p-MRR measures);
- candidates are a sample of the topic's documents (only those whose value in the family is known, so both
  judgments are defined) plus the BM25 top-k, for the query and for query + original instruction, among the
  documents tagged in the topic's family (a document with no tag in that family could be on the topic
  unlabelled, so it is never judged);
- qrels come from the facets.

The judgments are only as good as the metadata: a wrong or missing tag is a wrong judgment. A value is
chosen so that 20-80% of the judged og-relevant documents stay relevant (FollowIR's own sets keep 35-57%).
Instructions use their own templates, not the ones facet training pairs are written with.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from instructret.atomic import write_text_atomic
from instructret.errors import InstructretError
from instructret.facets.corpus import FacetedCorpus, FacetKey, read_faceted_corpus
from instructret.facets.exclusions import read_exclusions, topic_key
from instructret.facets.vocabulary import FacetVocabulary, load_vocabulary
from instructret.progress import progress_bar
from instructret.synthesis.runner import content_hash

#: Held-out phrasings: FollowIR-style narratives, none shared with :mod:`instructret.facets.phrasing`.
OG_TEMPLATES = (
    "Relevant documents describe a package that {topic_req}. Packages on other subjects are not relevant.",
    "A document is relevant when it is about {topic}. Documents about anything else are not relevant.",
    "Find packages whose description shows that the package {topic_req}; unrelated packages are not relevant.",
)
#: The changed instruction's addition: (requirement, exclusion). ``both`` (FollowIR's style) appends the two;
#: ``requirement`` only the first (what users often write: "only GTK programs"), ``exclusion`` only the second.
CHANGED_TEMPLATES = (
    (" In addition, the package {want_req}.", " A package that {other_req} is not relevant, even if it fits the "
     "subject."),
    (" Only {want} are relevant.", " Descriptions of {others} are not relevant, however close they are to the "
     "subject."),
    (" It also has to be true that the package {want_req};", " {others} do not satisfy the request and are not "
     "relevant."),
)

#: What the changed instruction adds to the original one (see :data:`CHANGED_TEMPLATES`).
CHANGED_PARTS = ("both", "requirement", "exclusion")


def changed_addition(parts: tuple[str, str], changed: str) -> str:
    """The text the changed instruction appends, for one template and one of :data:`CHANGED_PARTS`."""
    requirement, exclusion = parts
    if changed == "requirement":
        return requirement.rstrip(";") + ("" if requirement.rstrip(";").endswith(".") else ".")
    if changed == "exclusion":
        return exclusion
    return requirement + exclusion


@dataclass
class FacetFollowIRConfig:
    """Settings of a facet-built FollowIR set.

    Attributes:
        corpus: Corpus JSONL with facet fields.
        out: Output directory (``corpus``, ``queries``, ``qrels_og``, ``qrels_changed``, ``top_ranked`` as JSONL,
            plus ``build.json``).
        vocabulary: Packaged vocabulary name or a vocabulary JSON file.
        seed: Seed of the topic draw, the sampling of judged documents and the phrasing.
        topic_fraction: Share of the usable topics the set draws from (the rest are left for training).
        max_queries: Most queries written (round-robin over the drawn topics, one family at a time).
        max_relevant: Most og-relevant documents judged per query (a seeded sample).
        min_relevant: Fewest og-relevant documents with a known value a query needs.
        bm25_k: Non-relevant candidates taken from each of the two BM25 rankings.
        kept_range: Allowed share of judged og-relevant documents that stay relevant under the changed
            instruction.
        exclude: Training pairs, document files or FollowIR directories whose documents and topics are left out.
        changed: What the changed instruction adds: ``both`` the requirement and an exclusion sentence (as
            FollowIR's narratives do), ``requirement`` the requirement only, ``exclusion`` the exclusion only.
            The queries, candidates and judgments are the same for all three.
        show_progress: Show progress bars.
    """

    corpus: Path
    out: Path
    vocabulary: str = "debtags"
    seed: int = 0
    topic_fraction: float = 0.3
    max_queries: int | None = 200
    max_relevant: int = 30
    min_relevant: int = 6
    bm25_k: int = 30
    kept_range: tuple[float, float] = (0.2, 0.8)
    exclude: list[Path] = field(default_factory=list)
    changed: str = "both"
    show_progress: bool = True

    def __post_init__(self) -> None:
        self.corpus, self.out = Path(self.corpus), Path(self.out)
        self.exclude = [Path(p) for p in self.exclude]
        if self.changed not in CHANGED_PARTS:
            raise InstructretError(f"changed must be one of {', '.join(CHANGED_PARTS)}, got {self.changed!r}")
        if not 0 < self.topic_fraction <= 1:
            raise InstructretError(f"topic fraction must be in (0, 1], got {self.topic_fraction}")
        if self.min_relevant < 2 or self.max_relevant < self.min_relevant:
            raise InstructretError(
                f"need 2 <= min relevant ({self.min_relevant}) <= max relevant ({self.max_relevant})")
        if self.max_queries is not None and self.max_queries < 1:
            raise InstructretError(f"max queries must be at least 1, got {self.max_queries}")


@dataclass(frozen=True)
class QueryPlan:
    """One query: its topic, its contrast family and wanted value, and the judged og-relevant documents."""

    topic: FacetKey
    family: str
    value: str
    relevant: tuple[int, ...]


def _bm25(texts: list[str]):  # noqa: ANN202 - bm25s is optional
    try:
        import bm25s
    except ImportError as exc:
        raise InstructretError("building a FollowIR set needs bm25s: pip install 'instructret[bench]'") from exc
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    return retriever, bm25s


def plan_queries(corpus: FacetedCorpus, vocabulary: FacetVocabulary, topics: dict[FacetKey, list[int]],
                 cfg: FacetFollowIRConfig) -> list[QueryPlan]:
    """Every (topic, family) that makes a valid query, with the value whose kept share is closest to one half."""
    lo, hi = cfg.kept_range
    plans = []
    for topic in sorted(topics):
        for fam in vocabulary.families_with("contrast"):
            known = [i for i in topics[topic] if corpus.docs[i].single(fam) is not None]
            if len(known) < cfg.min_relevant:
                continue
            rng = random.Random(f"{cfg.seed}/{topic_key(*topic)}/{fam}")
            judged = sorted(rng.sample(known, min(len(known), cfg.max_relevant)))
            counts = Counter(corpus.docs[i].single(fam) for i in judged)
            share = {v: n / len(judged) for v, n in counts.items()}
            ok = [v for v, s in share.items() if lo <= s <= hi]
            if ok:
                best = min(sorted(ok), key=lambda v: abs(share[v] - 0.5))
                plans.append(QueryPlan(topic, fam, str(best), tuple(judged)))
    return plans


def _pick(plans: list[QueryPlan], cfg: FacetFollowIRConfig) -> list[QueryPlan]:
    rng = random.Random(cfg.seed)
    topics = sorted({p.topic for p in plans})
    rng.shuffle(topics)
    drawn = topics[: max(1, round(cfg.topic_fraction * len(topics)))]
    by_topic = {t: [p for p in plans if p.topic == t] for t in drawn}
    for queue in by_topic.values():
        rng.shuffle(queue)
    picked: list[QueryPlan] = []
    while any(by_topic.values()) and (cfg.max_queries is None or len(picked) < cfg.max_queries):
        for t in drawn:
            if by_topic[t] and (cfg.max_queries is None or len(picked) < cfg.max_queries):
                picked.append(by_topic[t].pop())
    return picked


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]


def instructions(plan: QueryPlan, vocabulary: FacetVocabulary, others: list[str], seed: int,
                 changed: str = "both") -> tuple[str, str]:
    """The original and changed instructions of one query (``others``: the excluded values present).

    ``changed`` picks what the changed instruction adds (:data:`CHANGED_PARTS`); the template drawn is the
    same for all three, so the variants differ only in the sentence left out.
    """
    rng = random.Random(f"{seed}/{topic_key(*plan.topic)}/{plan.family}/text")
    topic = vocabulary.value(*plan.topic)
    want = vocabulary.value(plan.family, plan.value)
    other_values = [vocabulary.value(plan.family, v) for v in others]
    words = {"topic": topic.phrase, "topic_req": topic.requirement, "want": want.phrase,
             "want_req": want.requirement, "other_req": " or ".join(v.requirement for v in other_values),
             "others": _join([v.phrase for v in other_values])}
    og = rng.choice(OG_TEMPLATES).format(**words)
    addition = changed_addition(rng.choice(CHANGED_TEMPLATES), changed).format(**words)
    if changed == "exclusion":  # the sentence now starts with a placeholder: capitalise it once filled
        addition = " " + addition.strip()[:1].upper() + addition.strip()[1:]
    return og, og + addition


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def build_facet_followir(cfg: FacetFollowIRConfig) -> dict[str, Any]:
    """Write a FollowIR-format directory built from facets; returns the counts written to ``build.json``.

    Raises:
        InputError: Malformed corpus, vocabulary or exclusion files.
        InstructretError: Bad settings, or no topic that makes a valid query.
    """
    vocabulary = load_vocabulary(cfg.vocabulary)
    excl = read_exclusions(cfg.exclude)
    corpus = read_faceted_corpus(cfg.corpus, vocabulary, exclude_ids=excl.doc_ids)
    topics = {k: v for k, v in corpus.topics(vocabulary).items()
              if topic_key(*k) not in excl.topics and (vocabulary.value(*k).query or "").lower() not in excl.queries}
    plans = _pick(plan_queries(corpus, vocabulary, topics, cfg), cfg)
    if not plans:
        raise InstructretError(f"{cfg.corpus}: no topic has {cfg.min_relevant} documents with a known contrast "
                               f"value that splits {cfg.kept_range[0]:.0%}-{cfg.kept_range[1]:.0%}")
    retriever, bm25s = _bm25([d.text for d in corpus.docs])
    tagged = {fam: np.array([fam in d.facets for d in corpus.docs]) for fam in vocabulary.families_with("topic")}
    queries, qrels_og, qrels_changed, top_ranked, used = [], [], [], [], set()
    with progress_bar("building queries", total=len(plans), disable=not cfg.show_progress) as advance:
        for plan in plans:
            fam_topic, _ = plan.topic
            topic = vocabulary.value(*plan.topic)
            others = sorted({corpus.docs[i].single(plan.family) for i in plan.relevant} - {plan.value})
            og, changed = instructions(plan, vocabulary, [v for v in others if v], cfg.seed, cfg.changed)
            qid = "q" + content_hash([topic_key(*plan.topic), plan.family, plan.value, cfg.seed])[:10]
            relevant = set(plan.relevant)
            on_topic = set(topics[plan.topic])
            pool = list(plan.relevant)
            for text in (topic.query or topic.label, f"{topic.query or topic.label} {og}"):
                docs, _ = retriever.retrieve(bm25s.tokenize([text], stopwords="en", show_progress=False),
                                             k=min(len(corpus.docs), 20 * cfg.bm25_k + len(on_topic)),
                                             show_progress=False)
                extra = [int(i) for i in docs[0] if tagged[fam_topic][int(i)] and int(i) not in on_topic]
                pool += [i for i in extra[: cfg.bm25_k] if i not in pool]
            queries.append({"_id": qid, "text": topic.query or topic.label, "instruction_og": og,
                            "instruction_changed": changed,
                            "facets": {"vocabulary": vocabulary.name, "topic": topic_key(*plan.topic),
                                       "family": plan.family, "value": plan.value}})
            for i in pool:
                doc = corpus.docs[i]
                used.add(i)
                top_ranked.append({"qid": qid, "pid": doc.id})
                qrels_og.append({"query-id": qid, "corpus-id": doc.id, "score": int(i in relevant)})
                if i in relevant:
                    qrels_changed.append({"query-id": qid, "corpus-id": doc.id,
                                          "score": int(doc.single(plan.family) == plan.value)})
            advance(1)
    cfg.out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(cfg.out / "corpus.jsonl", [{"_id": corpus.docs[i].id, "title": corpus.docs[i].title or "",
                                             "text": corpus.docs[i].body} for i in sorted(used)])
    _write_jsonl(cfg.out / "queries.jsonl", queries)
    _write_jsonl(cfg.out / "qrels_og.jsonl", qrels_og)
    _write_jsonl(cfg.out / "qrels_changed.jsonl", qrels_changed)
    _write_jsonl(cfg.out / "top_ranked.jsonl", top_ranked)
    og_rel = sum(r["score"] for r in qrels_og)
    kept = sum(r["score"] for r in qrels_changed)
    report = {
        "corpus": str(cfg.corpus), "vocabulary": vocabulary.name, "seed": cfg.seed,
        "topic_fraction": cfg.topic_fraction, "changed_instruction": cfg.changed, "excluded_from": excl.sources,
        "queries": len(queries), "topics": len({q["facets"]["topic"] for q in queries}),
        "families": dict(Counter(q["facets"]["family"] for q in queries)),
        "documents": len(used), "candidates": len(top_ranked), "og_relevant": og_rel,
        "changed": og_rel - kept, "kept_share": round(kept / og_rel, 4) if og_rel else None,
        "corpus_rows": corpus.rows, "corpus_skipped": dict(corpus.skipped),
        "note": "judgments come from the facet metadata and are only as good as it is",
    }
    write_text_atomic(cfg.out / "build.json", json.dumps(report, indent=1) + "\n")
    return report
