"""Facet polarity reversal: dual-view pairs built from document metadata, with no LLM.

Two documents on the same topic that differ in one contrast family are a dual-view pair: under "only
command-line programs" one is relevant, under "only graphical programs" the other. For every topic value
and contrast family, each document with exactly one value in the family is paired with its hard negative:
the document most similar to it (cosine of the encoder's document embeddings) among those on the same topic
with another value in that family and no conflicting value in any other contrast family, so the two differ
in exactly the one family the instructions name. Documents whose value in the family is missing or
ambiguous are not paired in it (counted in the summary).

Pairs are picked round-robin over (topic, family) groups in a seeded order, so a capped run spreads over
topics and families instead of draining the largest topic, and no document is used more than
``max_per_doc`` times. Everything is deterministic for a seed. The output is appended line by line, with a
``pair_key`` per row: a rerun after an interruption writes only the rows that are missing, and document
embeddings are cached on disk, so encoding is not repeated either.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from instructret.data.jsonl import JsonlAppender, iter_json_lines, repair_partial_tail
from instructret.errors import InstructretError
from instructret.facets.corpus import FacetedCorpus, FacetKey, read_faceted_corpus
from instructret.facets.exclusions import Exclusions, read_exclusions, topic_key
from instructret.facets.phrasing import FACET_STYLES, write_pair_styles
from instructret.facets.vocabulary import FacetVocabulary, load_vocabulary
from instructret.progress import progress_bar
from instructret.synthesis.runner import content_hash

#: Bump when the pairing or phrasing changes what a row holds: rows of another version are not reused.
FACETS_VERSION = "facets-1"


@dataclass
class FacetSynthConfig:
    """Settings of a facet synthesis run.

    Attributes:
        corpus: Corpus JSONL with facet fields (see :mod:`instructret.facets.corpus`).
        out: Output JSONL of dual-view pairs (appended; a rerun resumes).
        vocabulary: Packaged vocabulary name (``debtags``) or a vocabulary JSON file.
        model: Encoder used to find the hard negatives (alias, local directory or hub id).
        seed: Seed of the pick order and the phrasing draws.
        max_pairs: Stop after this many pairs (None: every candidate).
        max_per_doc: Pairs any one document may be part of.
        styles: Instruction styles written for every pair (one is also the pair's top-level instruction).
        exclude: Evaluation sets (FollowIR-format directories) or document files whose documents and topics
            are left out.
        cache_dir: Where document embeddings are cached (default: ``<out>.cache`` next to the output).
        max_seq_length: Tokens of each document the encoder reads to find negatives (the start of a
            description says what a package is; reading less makes mining fast).
        device: Encoder device (default: best available).
        general_ratio: General (instruction-free) topic -> document pairs written into the same file per
            dual-view pair, marked ``"kind": "general"``; ``instructret train`` mixes them in at its
            ``general_ratio`` with no second file. 0 writes none.
        show_progress: Show progress bars.
    """

    corpus: Path
    out: Path
    vocabulary: str = "debtags"
    model: str = "minilm"
    seed: int = 0
    max_pairs: int | None = 5000
    max_per_doc: int = 3
    styles: tuple[str, ...] = FACET_STYLES
    exclude: list[Path] = field(default_factory=list)
    cache_dir: Path | None = None
    max_seq_length: int | None = 128
    device: str | None = None
    general_ratio: float = 1.0
    show_progress: bool = True

    def __post_init__(self) -> None:
        self.corpus, self.out = Path(self.corpus), Path(self.out)
        if self.general_ratio < 0:
            raise InstructretError(f"general ratio must be >= 0, got {self.general_ratio}")
        self.exclude = [Path(p) for p in self.exclude]
        self.cache_dir = Path(self.cache_dir) if self.cache_dir else self.out.with_name(self.out.name + ".cache")
        unknown = [s for s in self.styles if s not in FACET_STYLES]
        if unknown or not self.styles:
            raise InstructretError(f"unknown style(s) {', '.join(unknown) or '(none given)'}; "
                                   f"choose from {', '.join(FACET_STYLES)}")
        if self.max_pairs is not None and self.max_pairs < 1:
            raise InstructretError(f"max pairs must be at least 1, got {self.max_pairs}")
        if self.max_per_doc < 1:
            raise InstructretError(f"max pairs per document must be at least 1, got {self.max_per_doc}")


@dataclass(frozen=True)
class Candidate:
    """A possible pair: positive and negative (document indices) in one topic and contrast family."""

    topic: FacetKey
    family: str
    positive: int
    negative: int
    score: float


@dataclass
class FacetSynthSummary:
    """What a run did.

    Attributes:
        out: The output file.
        rows: Corpus rows read.
        docs: Documents with at least one known facet.
        skipped: Why rows were not used at all (``no facet tags``, ``no known facet``, ``excluded``).
        contrast: Per contrast family: documents with one value, none (``missing``) or several (``ambiguous``).
        topics: Topics with at least one pair candidate.
        topics_excluded: Topics left out because an evaluation set uses them.
        candidates: Distinct candidate pairs found.
        pairs: Pairs selected (written now or by an earlier run).
        written: Rows written by this run.
        present: Selected rows already in the output from an earlier run.
        general: General (instruction-free) pairs selected (rows marked ``"kind": "general"``).
        families: Contrast family -> selected pairs.
        docs_encoded: Documents encoded by this run (the rest came from the embedding cache).
        seconds: Wall time.
    """

    out: Path
    rows: int = 0
    docs: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    contrast: dict[str, dict[str, int]] = field(default_factory=dict)
    topics: int = 0
    topics_excluded: int = 0
    candidates: int = 0
    pairs: int = 0
    written: int = 0
    present: int = 0
    general: int = 0
    families: dict[str, int] = field(default_factory=dict)
    docs_encoded: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def _conflicts(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]], families: list[str], skip: str) -> bool:
    """Whether two documents have known, different values in a contrast family other than ``skip``."""
    for fam in families:
        if fam != skip:
            va, vb = a.get(fam), b.get(fam)
            if va and vb and len(va) == 1 and len(vb) == 1 and va != vb:
                return True
    return False


def find_candidates(
    corpus: FacetedCorpus, vocabulary: FacetVocabulary, embeddings: np.ndarray, topics: dict[FacetKey, list[int]]
) -> dict[tuple[FacetKey, str], list[Candidate]]:
    """Every (topic, contrast family) group's candidate pairs, each document with its most similar counterpart.

    Args:
        corpus: The documents.
        vocabulary: The vocabulary (its contrast families).
        embeddings: Normalised document embeddings, one row per ``corpus.docs`` entry used in ``topics``.
        topics: Topic -> document indices.

    Returns:
        Group -> candidates; a pair appears once (in the first group that found it).
    """
    families = vocabulary.families_with("contrast")
    seen: set[tuple[str, int, int]] = set()
    groups: dict[tuple[FacetKey, str], list[Candidate]] = {}
    for topic in sorted(topics):
        members = topics[topic]
        for fam in families:
            idx = [i for i in members if corpus.docs[i].single(fam) is not None]
            values = np.array([corpus.docs[i].single(fam) for i in idx], dtype=object)
            if len(set(values.tolist())) < 2:
                continue
            sims = embeddings[idx] @ embeddings[idx].T
            cands = []
            for a, i in enumerate(idx):
                order = np.argsort(-sims[a], kind="stable")
                for b in order:
                    j = idx[b]
                    if values[b] == values[a] or corpus.docs[j].text == corpus.docs[i].text:
                        continue
                    if _conflicts(corpus.docs[i].facets, corpus.docs[j].facets, families, fam):
                        continue
                    key = (fam, min(i, j), max(i, j))
                    if key not in seen:
                        seen.add(key)
                        cands.append(Candidate(topic, fam, i, j, float(sims[a, b])))
                    break
            if cands:
                groups[(topic, fam)] = cands
    return groups


def select_pairs(
    groups: dict[tuple[FacetKey, str], list[Candidate]], max_pairs: int | None, max_per_doc: int, seed: int
) -> list[Candidate]:
    """Pick candidates round-robin over groups in a seeded order, each document at most ``max_per_doc`` times."""
    rng = random.Random(seed)
    keys = sorted(groups)
    rng.shuffle(keys)
    queues = {k: list(groups[k]) for k in keys}
    for k in keys:
        rng.shuffle(queues[k])
    uses: Counter = Counter()
    picked: list[Candidate] = []
    while keys and (max_pairs is None or len(picked) < max_pairs):
        still = []
        for k in keys:
            queue = queues[k]
            while queue:
                c = queue.pop()
                if uses[c.positive] < max_per_doc and uses[c.negative] < max_per_doc:
                    uses[c.positive] += 1
                    uses[c.negative] += 1
                    picked.append(c)
                    break
            if queue:
                still.append(k)
            if max_pairs is not None and len(picked) >= max_pairs:
                break
        keys = still
    return picked


def pair_row(
    c: Candidate, corpus: FacetedCorpus, vocabulary: FacetVocabulary, styles: tuple[str, ...], seed: int
) -> dict[str, Any]:
    """The dual-view pair row of one candidate, in the project's pair schema plus facet provenance."""
    pos, neg = corpus.docs[c.positive], corpus.docs[c.negative]
    pos_value, neg_value = pos.single(c.family), neg.single(c.family)
    assert pos_value is not None and neg_value is not None
    topic = vocabulary.value(*c.topic)
    key = content_hash({"v": FACETS_VERSION, "vocabulary": vocabulary.name, "topic": list(c.topic),
                        "family": c.family, "positive": pos.id, "negative": neg.id, "seed": seed,
                        "styles": list(styles)})
    written = write_pair_styles(topic.query or topic.label, topic.requirement, vocabulary.value(c.family, pos_value),
                                vocabulary.value(c.family, neg_value), key, styles)
    top = random.Random(key + "/style").choice(styles)
    return {
        "query": topic.query or topic.label,
        "instruction": written[top]["instruction"],
        "instruction_reversed": written[top]["instruction_reversed"],
        "positive": {"id": pos.id, "text": pos.text},
        "negative": {"id": neg.id, "text": neg.text},
        "instruction_source": "facets",
        "attribute": c.family,
        "style": top,
        "styles": written,
        "facets": {"vocabulary": vocabulary.name, "topic": topic_key(*c.topic), "family": c.family,
                   "positive": pos_value, "negative": neg_value},
        "negative_choice": {"strategy": "most-similar-document", "score": round(c.score, 6)},
        "pair_key": key,
    }


#: ``kind`` of a general (instruction-free) row in a pairs file (read by :mod:`instructret.training.dataset`).
GENERAL_KIND = "general"


def general_rows(
    picked: list[Candidate], corpus: FacetedCorpus, vocabulary: FacetVocabulary, count: int, seed: int
) -> list[dict[str, Any]]:
    """``count`` general pairs: a topic's search-box query -> one of its documents, over the picked pairs' topics.

    Topics are visited round-robin in a seeded order, each with its documents in a seeded order, and no document
    is used twice, so the pairs spread over the topics the dual-view pairs train on.
    """
    rng = random.Random(f"{seed}/general")
    members = corpus.topics(vocabulary)
    topics = sorted({c.topic for c in picked})
    rng.shuffle(topics)
    queues = {t: rng.sample(members.get(t, []), len(members.get(t, []))) for t in topics}
    used: set[int] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < count and any(queues.values()):
        for t in topics:
            queue = queues[t]
            while queue and queue[-1] in used:
                queue.pop()
            if not queue or len(rows) >= count:
                continue
            i = queue.pop()
            used.add(i)
            doc, topic = corpus.docs[i], vocabulary.value(*t)
            key = content_hash({"v": FACETS_VERSION, "kind": GENERAL_KIND, "vocabulary": vocabulary.name,
                                "topic": list(t), "positive": doc.id, "seed": seed})
            rows.append({"kind": GENERAL_KIND, "query": topic.query or topic.label,
                         "positive": {"id": doc.id, "text": doc.text},
                         "facets": {"vocabulary": vocabulary.name, "topic": topic_key(*t)}, "pair_key": key})
    return rows


def _existing_keys(path: Path) -> set[str]:
    if not path.exists():
        return set()
    if path.is_dir():
        raise InstructretError(f"--out {path} is a directory; give a file path such as {path / 'pairs.jsonl'}")
    repair_partial_tail(path)  # an interrupted run's unfinished last line is redone, not read
    rows = iter_json_lines(path, allow_empty=True)
    return {obj["pair_key"] for _, obj in rows if isinstance(obj.get("pair_key"), str)}


def _usable_topics(
    corpus: FacetedCorpus, vocabulary: FacetVocabulary, excl: Exclusions
) -> tuple[dict[FacetKey, list[int]], int]:
    topics, dropped = {}, 0
    for key, idx in corpus.topics(vocabulary).items():
        query = (vocabulary.value(*key).query or "").strip().lower()
        if topic_key(*key) in excl.topics or query in excl.queries:
            dropped += 1
        elif len(idx) >= 2:
            topics[key] = idx
    return topics, dropped


def embed_docs(
    corpus: FacetedCorpus, indices: list[int], model: str, device: str | None, cache_dir: Path | None,
    show_progress: bool, max_seq_length: int | None = None,
) -> tuple[np.ndarray, int]:
    """Normalised embeddings for ``corpus.docs[i]`` (rows for other documents stay zero), via the disk cache."""
    from instructret.encoder import InstructEncoder
    from instructret.evaluation.cache import EmbeddingCache, encode_documents_cached, model_fingerprint

    encoder = InstructEncoder(model, device=device, max_seq_length=max_seq_length)
    cache = EmbeddingCache(model_fingerprint(encoder), cache_dir, description={"model": model})
    vectors, n_encoded, _ = encode_documents_cached(
        encoder, [corpus.docs[i].text for i in indices], cache, show_progress, "encoding documents")
    out = np.zeros((len(corpus.docs), encoder.dimension), dtype=np.float32)
    if indices:
        out[indices] = vectors
    return out, n_encoded


def plan_pairs(
    cfg: FacetSynthConfig, summary: FacetSynthSummary
) -> tuple[FacetedCorpus, FacetVocabulary, list[Candidate]]:
    """Read the corpus, embed the documents, find every group's candidates and select the pairs.

    Fills the reading and pairing counts of ``summary``.
    """
    vocabulary = load_vocabulary(cfg.vocabulary)
    excl = read_exclusions(cfg.exclude)
    corpus = read_faceted_corpus(cfg.corpus, vocabulary, exclude_ids=excl.doc_ids)
    summary.rows, summary.docs, summary.skipped = corpus.rows, len(corpus.docs), dict(corpus.skipped)
    summary.contrast = {f: dict(c) for f, c in corpus.contrast_counts(vocabulary).items()}
    topics, summary.topics_excluded = _usable_topics(corpus, vocabulary, excl)
    members = sorted({i for idx in topics.values() for i in idx})
    embeddings, summary.docs_encoded = embed_docs(corpus, members, cfg.model, cfg.device, cfg.cache_dir,
                                                  cfg.show_progress, cfg.max_seq_length)
    groups = find_candidates(corpus, vocabulary, embeddings, topics)
    summary.topics = len({t for t, _ in groups})
    summary.candidates = sum(len(v) for v in groups.values())
    return corpus, vocabulary, select_pairs(groups, cfg.max_pairs, cfg.max_per_doc, cfg.seed)


def synthesize_facet_pairs(cfg: FacetSynthConfig) -> FacetSynthSummary:
    """Build dual-view pairs from facet metadata and append them to ``cfg.out``.

    Returns:
        A :class:`FacetSynthSummary` (counts add up: ``pairs + general == written + present``).

    Raises:
        InputError: Malformed corpus, vocabulary or exclusion files (file, line and field named).
        InstructretError: Bad settings, or a corpus with no pair at all.
    """
    start = time.perf_counter()
    summary = FacetSynthSummary(out=cfg.out)
    done = _existing_keys(cfg.out)
    corpus, vocabulary, picked = plan_pairs(cfg, summary)
    if not picked:
        raise InstructretError(
            f"{cfg.corpus}: no pair found: no topic has two documents with different values of one contrast "
            f"family (documents with facets: {summary.docs}; skipped: {summary.skipped or 'none'})")
    families: Counter = Counter()
    general = general_rows(picked, corpus, vocabulary, round(cfg.general_ratio * len(picked)), cfg.seed)
    summary.general = len(general)
    rows = ((pair_row(c, corpus, vocabulary, cfg.styles, cfg.seed), c.family) for c in picked)
    with JsonlAppender(cfg.out) as out, progress_bar("writing pairs", total=len(picked) + len(general),
                                                     disable=not cfg.show_progress) as advance:
        for row, family in [*rows, *((g, None) for g in general)]:
            if family is not None:
                families[family] += 1
            if row["pair_key"] in done:
                summary.present += 1
            else:
                out.write(row)
                done.add(row["pair_key"])
                summary.written += 1
            advance(1)
    summary.pairs = len(picked)
    summary.families = dict(families)
    summary.seconds = time.perf_counter() - start
    return summary
