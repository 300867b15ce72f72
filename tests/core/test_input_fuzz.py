"""Input fuzzing of every JSONL reader: random bytes, truncation, wrong types and huge lines give the
project's own one-line errors (or a clean read), never another exception."""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from instructret.data import GeneralPair, read_corpus, read_records
from instructret.errors import InstructretError
from instructret.evaluation import load_followir
from instructret.formatting import InstructionTemplate
from instructret.synthesis.restyle import read_pairs
from instructret.synthesis.runner import compact_failures
from instructret.synthesis.seeds import read_seeds
from instructret.training.dataset import build_training_set

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "followir_tiny"
DOC = {"id": "p1", "text": "mdcat renders Markdown in the terminal ✓"}
PAIR = {"query": "markdown viewer", "instruction": "terminal only", "instruction_reversed": "desktop only",
        "positive": DOC, "negative": {"id": "n1", "text": "a graphical viewer"},
        "styles": {"short": {"instruction": "CLI", "instruction_reversed": "GUI"}}}
VALID = {
    "corpus": {"id": "a", "title": "café", "text": "a tool", "metadata": {"k": "v", "n": 1}},
    "seed": {"query": "q", "instruction": "i", "positive": DOC, "negatives": [{"id": "n", "text": "t"}]},
    "promptriever": {"query": "q i", "only_query": "q", "only_instruction": "i", "has_instruction": True,
                     "positive_passages": [{"docid": "p", "title": "T", "text": "pos"}],
                     "negative_passages": [{"docid": "n", "title": "", "text": "neg"}]},
    "pair": PAIR,
    "general": {"query": "q", "positive": DOC, "negatives": [{"id": "n", "text": "t"}]},
    "failure": {"key": "k1", "line": 1, "input": "x:1", "stage": "reverse", "reason": "server error", "final": False},
}
ODD_VALUES = [None, True, 0, -1, 1.5, "", " ", "x" * 300, [], [1, "a"], {}, {"id": 1}, [{"text": 1}], {"a": {"b": []}}]


def _template() -> InstructionTemplate:
    return InstructionTemplate("{query} {instruction}")


READERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "corpus": ("corpus", read_corpus),
    "seeds": ("seed", read_seeds),
    "promptriever seeds": ("promptriever", read_seeds),
    "restyle pairs": ("pair", read_pairs),
    "general pairs": ("general", lambda p: read_records(p, GeneralPair)),
    "training pairs": ("pair", lambda p: build_training_set(p, _template(), styles=["original", "short"])),
    "training general": ("general", lambda p: build_training_set([], _template(), general=p)),
    "failures file": ("failure", lambda p: compact_failures(p, {"k1"})),
}


def _mutate_types(rng: random.Random, row: dict) -> dict:
    """Replace one value, at any depth, with a value of another type."""
    row = copy.deepcopy(row)
    node = row
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return row
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.5:
            node = child
            continue
        node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        return row


def _cases(rng: random.Random, kind: str, n: int) -> list[bytes]:
    good = [json.dumps(VALID[kind], ensure_ascii=False).encode()] * 3
    whole = b"\n".join(good) + b"\n"
    cases = [
        b"", b"\xef\xbb\xbf" + whole, whole.replace(b"\n", b"\r\n"), b"\xff\xfe" + whole, b"\x00" * 10,
        whole[:-1] + b"\xe9\n",  # latin-1
        good[0] + b"\n" + b"[" * 200_000 + b"\n",  # nested far too deeply
        good[0] + b'\n{"id": ' + b"9" * 20_000 + b"}\n",  # an integer past Python's digit limit
        b'{"id": NaN, "text": Infinity}\n',
        good[0] + b'\n{"id": "big", "text": "' + b"x" * 3_000_000 + b'"}\n',  # a huge line
        b"x" * 2_000_000,  # a huge line that is not JSON
        whole.replace(b"\xe2\x9c\x93", b"\xe2\x9c"),  # a cut multi-byte character
    ]
    for _ in range(n):
        choice = rng.random()
        if choice < 0.25:  # random bytes
            cases.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
        elif choice < 0.5:  # truncated anywhere, even inside a UTF-8 character
            cases.append(whole[: rng.randrange(len(whole))])
        elif choice < 0.6:  # a few flipped bytes
            data = bytearray(whole)
            for _ in range(rng.randrange(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            cases.append(bytes(data))
        else:  # wrong types
            rows = [_mutate_types(rng, VALID[kind]) for _ in range(rng.randrange(1, 3))]
            cases.append(b"".join(json.dumps(r).encode() + b"\n" for r in rows))
    return cases


def _check(read: Callable[[Path], object], path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        read(path)
    except InstructretError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg, f"not one line for {data[:120]!r}: {msg!r}"
        assert len(msg) < 2000, f"message too long for {data[:120]!r}"
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(exc).__name__}: {exc} for input {data[:200]!r}")


@pytest.mark.parametrize("reader", list(READERS))
def test_jsonl_readers_raise_only_project_errors(tmp_path, reader):
    kind, read = READERS[reader]
    rng = random.Random(f"fuzz-{reader}")
    for i, data in enumerate(_cases(rng, kind, 120)):
        _check(read, tmp_path / f"case{i}.jsonl", data)


@pytest.mark.parametrize("table", ["corpus", "queries", "qrels_og", "top_ranked"])
@pytest.mark.parametrize("ext", [".jsonl", ".tsv"])
def test_followir_tables_raise_only_project_errors(tmp_path, table, ext):
    rng = random.Random(f"fuzz-{table}{ext}")
    source = (TINY / f"{table}.jsonl").read_bytes()
    rows = [json.loads(line) for line in source.decode().splitlines() if line.strip()]
    cases = [source[: rng.randrange(len(source))] for _ in range(25)]
    cases += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))) for _ in range(15)]
    cases += [b"".join(json.dumps(_mutate_types(rng, r)).encode() + b"\n" for r in rows) for _ in range(25)]
    if ext == ".tsv":
        header = "\t".join(rows[0]).encode() + b"\n"
        cases = [header + c for c in cases] + [header + b"a\tb\tc\td\te\tf\n", b"\xef\xbb\xbf" + header, b""]
    for i, data in enumerate(cases):
        root = tmp_path / f"set{i}"
        shutil.copytree(TINY, root)
        (root / f"{table}.jsonl").unlink()
        _check(lambda _p, root=root: load_followir(root), root / f"{table}{ext}", data)
