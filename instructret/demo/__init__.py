"""Bundled demo data for ``instructret quickstart``, and paths to it.

The files live in ``instructret/demo/data/`` and are described (with provenance and licence) in its
``README.md``. ``seeds.jsonl``, ``general.jsonl`` and ``followir/`` are written by the demo-data generator,
which stays in the source repository (``python -m tools.demo_data --out instructret/demo/data``) and is not
installed. ``debian/packages.jsonl.gz`` is a sample of real Debian package descriptions with their debtags,
built by ``tools/debian_sample.py`` (see ``debian/README.md``); the quickstart runs on it.

Example:
    >>> from instructret.demo import demo_path, followir_dir
    >>> demo_path("seeds.jsonl").name
    'seeds.jsonl'
    >>> sorted(p.name for p in followir_dir().iterdir())[0]
    'corpus.jsonl'
    >>> debian_sample_path().name
    'packages.jsonl.gz'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from instructret.errors import InputError

__all__ = ["debian_sample_path", "demo_path", "followir_dir", "general_path", "seeds_path"]


def demo_path(name: str) -> Path:
    """Path of a bundled demo file or folder, e.g. ``demo_path("seeds.jsonl")`` or ``demo_path("followir")``.

    Raises:
        InputError: If the package was installed without that file.
    """
    path = Path(str(resources.files("instructret.demo") / "data" / name))
    if not path.exists():
        raise InputError(path, "bundled demo data is missing; reinstall instructret")
    return path


def seeds_path() -> Path:
    """The 24 seed tuples for polarity-reversal synthesis (``seeds.jsonl``)."""
    return demo_path("seeds.jsonl")


def general_path() -> Path:
    """The 300 instruction-free general pairs (``general.jsonl``)."""
    return demo_path("general.jsonl")


def followir_dir() -> Path:
    """The FollowIR-format demo evaluation directory (``followir/``)."""
    return demo_path("followir")


def debian_sample_path() -> Path:
    """The 4,000 real Debian package descriptions with debtags and section (``debian/packages.jsonl.gz``)."""
    return demo_path("debian/packages.jsonl.gz")
