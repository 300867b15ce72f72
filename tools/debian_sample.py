"""Build the bundled sample of real Debian package descriptions, with debtags, for the quickstart.

Usage (from the repository root)::

    python -m tools.debian_sample [--out instructret/demo/data/debian] [--size 4000] [--seed 0]

Source: Debian bookworm ``main`` (amd64 ``Packages`` for ``Section`` and ``Tag``, ``Translation-en`` for the
descriptions), read from the apt lists in ``/var/lib/apt/lists``; ``apt-get -o Acquire::Languages=en update``
fetches ``Translation-en`` when it is missing (that needs root and the Debian mirror). ``--packages`` and
``--translations`` take already extracted text lists instead.

Documents are made as the shared ``build_debian_corpus.py`` makes them (one per binary package with a long
description of at least 15 words; transitional, dummy and debug-symbol packages left out), in the format
``instructret facets`` reads: ``{"_id", "title", "text", "section", "tags"}``.

Selection, deterministic for the seed: only packages whose debtags name a topic value *and* a contrast value
of the packaged ``debtags`` vocabulary (with the evidence the vocabulary asks of the text) are eligible, since
only they can be judged or paired. Topics with at least ``--min-topic`` eligible packages are visited in a
seeded order, round after round, each round adding up to ``--per-round`` of a topic's not yet chosen
packages, until ``--size`` packages are chosen: every topic ends with enough documents for a query or a pair,
and no large topic (``use/viewing``) crowds out the small ones. The output is written sorted by package name,
gzip-compressed with a zero timestamp, so a rebuild from the same lists gives the same bytes. ``README.md``
next to it records the source, the licence note, the command and the counts.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import io
import json
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from instructret.facets import FacetFollowIRConfig, FacetSynthConfig, build_facet_followir, synthesize_facet_pairs
from instructret.facets.vocabulary import FacetVocabulary, load_vocabulary

LISTS = "/var/lib/apt/lists"
SUITE = "bookworm"
OUT = Path("instructret/demo/data/debian")
FILENAME = "packages.jsonl.gz"


def _apt_list(pattern: str) -> str | None:
    found = sorted(glob.glob(f"{LISTS}/*_debian_dists_{SUITE}_main_{pattern}"))
    return found[0] if found else None


def _cat(path: str) -> str:
    """A (possibly compressed) apt list as text, through apt's own helper."""
    done = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], capture_output=True, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def _release_line() -> str:
    """``Version`` and ``Date`` of the suite's InRelease file, for the README (empty when it is missing)."""
    found = sorted(glob.glob(f"{LISTS}/*_debian_dists_{SUITE}_InRelease"))
    if not found:
        return ""
    fields = {}
    for line in Path(found[0]).read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("Version", "Date") and key not in fields:
            fields[key] = value.strip()
    return f"Debian {fields.get('Version', '?')}, release file dated {fields.get('Date', '?')}"


def stanzas(text: str) -> Iterator[dict[str, str]]:
    """The RFC 822 stanzas of an apt list (continuation lines joined with newlines), as the shared builder reads."""
    cur: dict[str, str] = {}
    key = None
    for line in io.StringIO(text):
        line = line.rstrip("\n")
        if not line:
            if cur:
                yield cur
            cur, key = {}, None
            continue
        if line[0] in " \t" and key:
            cur[key] += "\n" + line[1:]
        else:
            key, _, val = line.partition(":")
            cur[key] = val.strip()
    if cur:
        yield cur


def build_documents(packages: str, translations: str) -> list[dict[str, str]]:
    """Every package with a long description, as ``build_debian_corpus.py`` builds them, sorted by name."""
    meta = {}
    for s in stanzas(packages):
        meta[s["Package"]] = {"section": s.get("Section", ""), "tags": re.sub(r"\s+", " ", s.get("Tag", "")).strip()}
    docs: dict[str, dict[str, str]] = {}
    for s in stanzas(translations):
        name = s["Package"]
        short, _, long = s.get("Description-en", "").partition("\n")
        long = "\n".join("" if ln.strip() == "." else ln.strip() for ln in long.split("\n")).strip()
        if name not in meta or len(long.split()) < 15:
            continue
        if re.search(r"transitional|dummy package|debug symbols", short + " " + long[:200], re.I):
            continue
        m = meta[name]
        docs[name] = {"_id": name, "title": f"{name}: {short}", "text": long, "section": m["section"],
                      "tags": m["tags"]}
    return [docs[name] for name in sorted(docs)]


def eligible_topics(docs: list[dict[str, str]], vocabulary: FacetVocabulary) -> dict[str, list[int]]:
    """Topic (``family/value``) -> indices of documents on it that also have one known contrast value."""
    topics = set(vocabulary.families_with("topic"))
    contrasts = vocabulary.families_with("contrast")
    out: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        tags = vocabulary.tags_of(doc)
        if not tags:
            continue
        facets, _ = vocabulary.resolve(tags, f"{doc['title']} {doc['text']}")
        if not any(len(facets.get(f, ())) == 1 for f in contrasts):
            continue
        for fam in sorted(topics & facets.keys()):
            for value in sorted(facets[fam]):
                out.setdefault(f"{fam}/{value}", []).append(i)
    return out


def select(topics: dict[str, list[int]], size: int, seed: int, min_topic: int, per_round: int) -> list[int]:
    """Seeded round-robin over topics with at least ``min_topic`` documents, until ``size`` are chosen."""
    rng = random.Random(seed)
    usable = sorted(t for t, idx in topics.items() if len(idx) >= min_topic)
    rng.shuffle(usable)
    queues = {t: rng.sample(topics[t], len(topics[t])) for t in usable}
    chosen: list[int] = []
    taken: set[int] = set()
    while len(chosen) < size and any(queues.values()):
        for t in usable:
            added = 0
            while queues[t] and added < per_round and len(chosen) < size:
                i = queues[t].pop()
                if i not in taken:
                    taken.add(i)
                    chosen.append(i)
                    added += 1
    return sorted(chosen)


def write_gzip_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    """JSONL, gzip level 9 with no name and a zero timestamp (the same rows give the same bytes)."""
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def check(rows: list[dict[str, str]], max_queries: int = 60) -> str:
    """Build a facet FollowIR set and facet pairs from the sample, as the quickstart does; the README's lines.

    The set takes at most ``max_queries`` queries; the pairs leave out its documents and topics. Returns
    Markdown lines with the counts and times, and whether the pairs share a topic or a document with the set.
    """
    with tempfile.TemporaryDirectory() as tmp:
        corpus, evalset, pairs = Path(tmp) / "corpus.jsonl", Path(tmp) / "eval", Path(tmp) / "pairs.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        t0 = time.perf_counter()
        report = build_facet_followir(FacetFollowIRConfig(corpus=corpus, out=evalset, max_queries=max_queries,
                                                          show_progress=False))
        t1 = time.perf_counter()
        summary = synthesize_facet_pairs(FacetSynthConfig(corpus=corpus, out=pairs, exclude=[evalset],
                                                          show_progress=False))
        t2 = time.perf_counter()
        eval_topics = {json.loads(ln)["facets"]["topic"] for ln in (evalset / "queries.jsonl").open()}
        eval_docs = {json.loads(ln)["_id"] for ln in (evalset / "corpus.jsonl").open()}
        made = [json.loads(ln) for ln in pairs.open()]
    pair_topics = {p["facets"]["topic"] for p in made}
    pair_docs = {p[side]["id"] for p in made for side in ("positive", "negative")}
    return (f"- `instructret facets followir packages.jsonl --out EVAL --max-queries {max_queries}`:\n"
            f"  {report['queries']} queries over {report['topics']} topics, {report['documents']} documents, "
            f"{report['og_relevant']} og-relevant of which {report['changed']} change ({t1 - t0:.0f} s)\n"
            f"- `instructret facets synth packages.jsonl --out PAIRS --exclude EVAL`:\n"
            f"  {summary.pairs} pairs over {len(pair_topics)} topics from {summary.docs} documents "
            f"({t2 - t1:.0f} s, encoding included); topics shared with the set: {len(pair_topics & eval_topics)}, "
            f"documents shared: {len(pair_docs & eval_docs)}\n")


README = """# Real Debian package descriptions, with debtags

`{filename}` holds {n} real package descriptions from Debian {suite} `main`, one JSON object a line:
`{{"_id", "title", "text", "section", "tags"}}` (`title` is `"<package>: <short description>"`, `text` the long
description, `section` the archive section, `tags` the package's debtags, comma-separated). It is the format
`instructret facets` reads. The quickstart builds a facet FollowIR set from part of its topics and facet
training pairs from the rest.

## Source

Debian {suite} `main`: the amd64 `Packages` list (`Section`, `Tag`) and the `Translation-en` list (the English
descriptions), as apt downloads them (`apt-get -o Acquire::Languages=en update`; {release}).
Documents are made as `build_debian_corpus.py` makes them (a package with a long description of at least 15 words;
transitional, dummy and debug-symbol packages left out): {full} such packages, {tagged} of them with debtags.

## Licence note

Package descriptions are distributed by Debian as part of the archive metadata (the `Packages` and
`Translation-en` index files that every Debian mirror serves); they ship freely with Debian. Each package's
own licence applies to the package itself, not to these index files. Nothing here is the packages' software.

## How it was built

From the repository root (seed {seed}, deterministic; the same apt lists give the same bytes):

    {command}

Selection: only packages whose debtags name a topic value (`game`, `field`, `works-with`, `use`, `sound`,
`admin`, `security`, `hardware`, `web`, `mail`, `network`, `x11`) and one contrast value (`interface`,
`uitoolkit`, `implemented-in`, `role`, `network-side`, `desktop`) of the packaged `debtags` vocabulary, with the
evidence the vocabulary asks of the text, are eligible ({eligible} packages). The {topics} topics with at least
{min_topic} eligible packages are visited in a seeded order, {per_round} new packages per topic per round, until
{n} are chosen (see `tools/debian_sample.py`).

## Counts

- packages: {n} ({size_kb} KB compressed); all have debtags
- topics with at least {min_topic} packages in the sample: {topics_sample}
- sections: {sections}
{checked}"""


CHECKED = """
Checked at build time (`--check`) with the library of that commit, on the decompressed sample (the library
reads plain JSONL); times on a shared 2-core machine:

"""


def main(argv: list[str] | None = None) -> int:
    """Build the sample and its README; print the counts."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT, help="output folder (packages.jsonl.gz and README.md)")
    p.add_argument("--size", type=int, default=4000, help="packages in the sample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-topic", type=int, default=15, help="eligible packages a topic needs to be sampled")
    p.add_argument("--per-round", type=int, default=5, help="packages a topic gets per round")
    p.add_argument("--check", action="store_true",
                   help="also build a facet FollowIR set and facet pairs from the sample and record their counts")
    p.add_argument("--packages", type=Path, help="an extracted Packages list (default: from the apt lists)")
    p.add_argument("--translations", type=Path, help="an extracted Translation-en list (default: from the apt lists)")
    a = p.parse_args(argv)
    if (a.packages is None) != (a.translations is None):
        p.error("give both --packages and --translations, or neither")
    if a.packages is not None:
        packages = a.packages.read_text(encoding="utf-8", errors="replace")
        translations = a.translations.read_text(encoding="utf-8", errors="replace")
    else:
        if _apt_list("i18n_Translation-en*") is None:
            subprocess.run(["apt-get", "-o", "Acquire::Languages=en", "update"], check=True)
        pk, tr = _apt_list("binary-amd64_Packages*"), _apt_list("i18n_Translation-en*")
        if not pk or not tr:
            raise SystemExit(f"error: no {SUITE} main Packages / Translation-en lists in {LISTS}")
        packages, translations = _cat(pk), _cat(tr)
    docs = build_documents(packages, translations)
    vocabulary = load_vocabulary("debtags")
    topics = eligible_topics(docs, vocabulary)
    eligible = {i for idx in topics.values() for i in idx}
    chosen = select(topics, a.size, a.seed, a.min_topic, a.per_round)
    rows = [docs[i] for i in chosen]
    a.out.mkdir(parents=True, exist_ok=True)
    write_gzip_jsonl(a.out / FILENAME, rows)
    in_sample = Counter(t for t, idx in topics.items() for i in set(idx) & set(chosen))
    sections = Counter(r["section"] for r in rows)
    counts = {
        "filename": FILENAME, "n": len(rows), "suite": SUITE, "release": _release_line() or "release file not found",
        "full": len(docs), "tagged": sum(bool(d["tags"]) for d in docs), "seed": a.seed,
        "eligible": len(eligible), "topics": sum(len(v) >= a.min_topic for v in topics.values()),
        "min_topic": a.min_topic, "per_round": a.per_round,
        "size_kb": round((a.out / FILENAME).stat().st_size / 1024),
        "topics_sample": sum(n >= a.min_topic for n in in_sample.values()),
        "sections": ", ".join(f"{s} {n}" for s, n in sections.most_common(8)) + f" (of {len(sections)})",
        "checked": (CHECKED + check(rows)) if a.check else "",
        "command": ("python -m tools.debian_sample " + shlex.join(sys.argv[1:] if argv is None else argv)).strip(),
    }
    (a.out / "README.md").write_text(README.format(**counts), encoding="utf-8")
    print(json.dumps({k: counts[k] for k in ("n", "full", "tagged", "eligible", "topics", "topics_sample",
                                             "size_kb")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
