"""Build the Debian facet data the recipe benchmarks use: corpus, facet-built test set, facet training pairs.

Usage:
    python benchmarks/facet_data.py [--out benchmarks/results/facets-debian/data] [--max-pairs 5000]
        [--general-ratio R]

Steps, each skipped when its output exists (so a rerun resumes):

1. ``corpus.jsonl``: every Debian bookworm main package with a long description (about 60k), with its debtags,
   by the shared ``build_debian_corpus.py`` from the apt lists (``apt-get -o Acquire::Languages=en update``
   fetches the English descriptions when they are missing; that needs root and the Debian mirror).
2. ``facet-eval/``: a FollowIR-format set judged by the facets (``instructret facets followir``), leaving out
   the shared dev set's documents and the shared hand-checked pairs' documents and topics.
   ``facet-eval-requirement/`` is the same set with requirement-only changed instructions
   (``--changed requirement``: the changed instruction without its exclusion sentence).
3. ``facet-pairs.jsonl``: dual-view pairs from the facets (``instructret facets synth``), leaving out everything
   in ``facet-eval`` and the shared dev set, so training and the test sets share no document and no topic;
   with ``--general-ratio R``, R general (instruction-free) topic -> document pairs per dual-view pair are
   written into the same file.

Everything is deterministic for the seeds; a fresh build gives the same files.
"""

from __future__ import annotations

import argparse
import glob
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_paths import shared_data_root  # noqa: E402

from instructret.facets import (  # noqa: E402
    FacetFollowIRConfig,
    FacetSynthConfig,
    build_facet_followir,
    synthesize_facet_pairs,
)

LISTS = "/var/lib/apt/lists"


def _apt_list(pattern: str) -> str | None:
    found = sorted(glob.glob(f"{LISTS}/*_debian_dists_bookworm_main_{pattern}"))
    return found[0] if found else None


def build_corpus(out: Path) -> Path:
    """``out/corpus.jsonl`` from the apt lists and the shared corpus builder."""
    corpus = out / "corpus.jsonl"
    if corpus.is_file():
        return corpus
    builder = shared_data_root() / "build_debian_corpus.py"
    if not builder.is_file():
        raise SystemExit(f"error: {builder} not found (set INSTRUCTRET_SHARED_DATA)")
    if _apt_list("i18n_Translation-en*") is None:
        subprocess.run(["apt-get", "-o", "Acquire::Languages=en", "update"], check=True)
    packages, translations = _apt_list("binary-amd64_Packages*"), _apt_list("i18n_Translation-en*")
    if not packages or not translations:
        raise SystemExit(f"error: no bookworm main Packages / Translation-en lists in {LISTS}")
    out.mkdir(parents=True, exist_ok=True)
    for src, name in ((packages, "packages.txt"), (translations, "trans.txt")):
        with (out / name).open("wb") as fh:
            subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", src], stdout=fh, check=True)
    subprocess.run([sys.executable, str(builder)], cwd=out, check=True)
    for name in ("packages.txt", "trans.txt"):
        (out / name).unlink()
    return corpus


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/facets-debian/data"))
    p.add_argument("--max-pairs", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--general-ratio", type=float, default=FacetSynthConfig.general_ratio,
                   help="general (instruction-free) pairs written into facet-pairs.jsonl per dual-view pair")
    a = p.parse_args(argv)
    shared = shared_data_root()
    dev, hand_pairs = shared / "followir-dev", shared / "dualview-train" / "dualview.jsonl"
    corpus = build_corpus(a.out)
    evalset = a.out / "facet-eval"
    for out, changed in ((evalset, "both"), (a.out / "facet-eval-requirement", "requirement")):
        if not (out / "build.json").is_file():
            report = build_facet_followir(FacetFollowIRConfig(
                corpus=corpus, out=out, seed=a.seed, changed=changed,
                exclude=[p for p in (dev, hand_pairs) if p.exists()]))
            print(f"{out.name}: {report['queries']} queries over {report['topics']} topics, "
                  f"{report['documents']} docs")
    pairs = a.out / "facet-pairs.jsonl"
    summary = synthesize_facet_pairs(FacetSynthConfig(
        corpus=corpus, out=pairs, seed=a.seed, max_pairs=a.max_pairs, general_ratio=a.general_ratio,
        exclude=[evalset] + ([dev] if dev.exists() else [])))
    print(f"facet-pairs: {summary.pairs} pairs and {summary.general} general pairs ({summary.written} rows new) "
          f"over {summary.topics} topics, {summary.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
