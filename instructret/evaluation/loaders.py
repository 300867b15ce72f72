"""Loading FollowIR sets: the three official ones from the hub, or any directory in the same layout.

``load_followir("robust04")`` reads ``jhu-clsp/robust04-instructions`` through ``datasets``;
``load_followir("path/to/dir")`` reads the same tables from local JSONL, TSV or parquet files, which is
how the benchmark runs offline and how users bring their own instruction-following test sets.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from instructret.data.jsonl import iter_json_lines, iter_text_lines
from instructret.errors import InputError, InstructretError
from instructret.evaluation.dataset import FollowIRDataset, Rows, build_dataset

#: The official FollowIR sets, by short name.
OFFICIAL_DATASETS: dict[str, str] = {
    "robust04": "jhu-clsp/robust04-instructions",
    "news21": "jhu-clsp/news21-instructions",
    "core17": "jhu-clsp/core17-instructions",
}

#: Every table either layout may carry (see :mod:`instructret.evaluation.dataset`).
TABLES = ("corpus", "queries", "qrels_og", "qrels_changed", "top_ranked", "instruction", "default", "qrels",
          "qrel_diff")

#: File formats a local table may come in.
EXTENSIONS = (".jsonl", ".tsv", ".parquet")


def _jsonl_rows(path: Path) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for line, obj in iter_json_lines(path):
        yield str(path), line, obj


def _tsv_rows(path: Path) -> Iterator[tuple[str, int, dict[str, Any]]]:
    # decoded line by line, so a bad byte is reported on its own line (and a BOM is skipped)
    lines = (text for _, text in iter_text_lines(path))
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        if not reader.fieldnames:
            raise InputError(path, "file is empty: expected a header row of column names")
        for row in reader:
            if None in row:  # more cells than header columns
                raise InputError(path, f"{len(reader.fieldnames) + len(row[None])} cells but "
                                 f"{len(reader.fieldnames)} header columns", line=reader.line_num)
            yield str(path), reader.line_num, {k: v for k, v in row.items() if v is not None}
    except csv.Error as exc:  # e.g. a NUL byte, or a field past csv's size limit
        raise InputError(path, f"not a readable TSV file ({exc})", line=reader.line_num or None) from None


def _parquet_rows(path: Path) -> Iterator[tuple[str, int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a damaged file
        raise InputError(path, f"not a readable parquet file ({type(exc).__name__}: {exc})") from exc
    for i, row in enumerate(table.to_pylist(), start=1):
        yield str(path), i, row


_READERS = {".jsonl": _jsonl_rows, ".tsv": _tsv_rows, ".parquet": _parquet_rows}


def _table_files(directory: Path, table: str) -> list[Path]:
    """The files of one table: ``table.<ext>``, or every supported file in a ``table/`` folder (shards)."""
    files = [directory / f"{table}{ext}" for ext in EXTENSIONS if (directory / f"{table}{ext}").is_file()]
    if len(files) > 1:
        raise InputError(directory, f"table '{table}' is given twice: {', '.join(f.name for f in files)}")
    folder = directory / table
    if not files and folder.is_dir():
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in EXTENSIONS)
    return files


def _rows(files: list[Path]) -> Rows:
    for path in files:
        yield from _READERS[path.suffix](path)


def _content_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()[:16]


def load_local_followir(path: str | Path, name: str | None = None) -> FollowIRDataset:
    """Read a FollowIR-format directory (JSONL, TSV or parquet files; see :mod:`~instructret.evaluation.dataset`).

    Args:
        path: The directory.
        name: Short name for reports; defaults to the directory name.

    Returns:
        The dataset, with ``revision`` set to a hash of the files' contents.

    Raises:
        InputError: If the directory, a table or a field is missing or malformed.
    """
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise InputError(directory, "not a directory" if directory.exists() else "no such directory")
    files = {t: fs for t in TABLES if (fs := _table_files(directory, t))}
    tables = {t: _rows(fs) for t, fs in files.items()}
    locations = {t: str(fs[0]) for t, fs in files.items()}
    revision = _content_hash([f for fs in files.values() for f in fs])
    return build_dataset(tables, name or directory.resolve().name, str(directory.resolve()), revision, locations)


def _hub_rows(repo: str, config: str, split: str | None, revision: str | None) -> Rows:
    from datasets import load_dataset

    loaded = load_dataset(repo, config, revision=revision)
    names = list(loaded.keys())
    chosen = split if split in names else ("test" if "test" in names else names[0])
    for i, row in enumerate(loaded[chosen], start=1):
        yield f"{repo}:{config}", i, row


def _hub_revision(repo: str, revision: str | None) -> str | None:
    """The commit the hub serves for ``revision``, or ``revision`` itself when the hub cannot say."""
    try:
        from huggingface_hub import HfApi

        return HfApi().dataset_info(repo, revision=revision).sha or revision
    except Exception:  # offline with a warm datasets cache: the data loads but the hub cannot be asked
        return revision


def load_hub_followir(repo: str, revision: str | None = None, name: str | None = None) -> FollowIRDataset:
    """Read a FollowIR set from the Hugging Face hub through ``datasets`` (FollowIR or ``-mteb`` layout).

    Raises:
        InstructretError: If the hub (or the local ``datasets`` cache) cannot provide it, e.g. offline.
        InputError: If the data is malformed.
    """
    try:
        from datasets import get_dataset_config_names

        configs = set(get_dataset_config_names(repo, revision=revision))
        tables = {t: list(_hub_rows(repo, t, "test", revision)) for t in TABLES if t in configs}
    except ImportError as exc:
        raise InstructretError("loading FollowIR from the hub needs `datasets` (pip install 'instructret[bench]')") \
            from exc
    except InstructretError:
        raise
    except Exception as exc:  # datasets/hub raise many types: ConnectionError, DatasetNotFoundError, ...
        offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}
        hint = " (HF_HUB_OFFLINE is set)" if offline else ""
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise InstructretError(
            f"could not load dataset '{repo}' from the Hugging Face hub{hint}: {reason}. "
            "Download it once while online, or pass a local directory in the FollowIR layout."
        ) from exc
    short = name or repo.split("/")[-1].removesuffix("-mteb").removesuffix("-instructions")
    return build_dataset({t: iter(rows) for t, rows in tables.items()}, short, repo, _hub_revision(repo, revision),
                         {t: f"{repo}:{t}" for t in tables})


def load_followir(name_or_path: str | Path, revision: str | None = None) -> FollowIRDataset:
    """Load a FollowIR set by short name, hub id or local directory.

    Args:
        name_or_path: ``"robust04"``, ``"news21"``, ``"core17"``, a hub id such as
            ``"jhu-clsp/core17-instructions-mteb"``, or a local directory in the same layout.
        revision: Hub revision (branch, tag or commit); ignored for a local directory.

    Returns:
        The validated :class:`FollowIRDataset`.

    Raises:
        InputError: A local directory is missing or malformed.
        InstructretError: A hub dataset cannot be loaded.

    Example:
        >>> ds = load_followir("tests/fixtures/followir_tiny")  # doctest: +SKIP
        >>> ds.summary()["queries"]  # doctest: +SKIP
        3
    """
    text = str(name_or_path)
    if text in OFFICIAL_DATASETS:
        return load_hub_followir(OFFICIAL_DATASETS[text], revision, name=text)
    path = Path(text).expanduser()
    if path.exists() or isinstance(name_or_path, Path) or text.startswith((".", "/", "~")):
        return load_local_followir(path)
    if text.count("/") == 1:
        try:
            return load_hub_followir(text, revision)
        except InputError:
            raise
        except InstructretError as exc:
            raise InstructretError(f"{exc} (no local directory {str(path)!r} exists either)") from exc
    raise InstructretError(
        f"unknown FollowIR dataset {text!r}: use robust04, news21, core17, a hub id (owner/name) or a local "
        "directory"
    )
