"""Add a deterministic "narrative" style to dual-view pairs, with no LLM, for the style-axis ablation.

Usage: python benchmarks/make_narrative_styles.py PAIRS.jsonl --out OUT.jsonl [--style narrative]

Each view's narrative is the view's own instruction followed by the exclusion clause that names the other
view's requirement as not relevant (:func:`instructret.synthesis.styles.view_exclusion`):

    instruction:          "I want an engine that speaks xboard ..."
    narrative (view B):   "I want an engine that speaks xboard ... Not relevant: a very strong, multi-threaded
                           chess engine that talks the UCI protocol ..."

The variants go into the row's ``styles`` mapping in the shape ``instructret restyle`` writes
(``{"narrative": {"instruction": ..., "instruction_reversed": ...}}``), so ``TrainConfig(styles=...)`` and
``instructret train --styles`` read them like LLM-written ones; ``styles_source`` says where they came from.
Every other key of the row is kept. This is a template, not the LLM restyling of ``instructret restyle``:
the narratives are first person rather than TREC third person, and all share one sentence shape.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from instructret.atomic import write_text_atomic
from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import DualViewPair
from instructret.errors import InstructretError
from instructret.synthesis.styles import states_exclusion, view_exclusion

SOURCE = "template: the view's own instruction + styles.view_exclusion (benchmarks/make_narrative_styles.py)"


def narrative_views(instruction: str, instruction_reversed: str) -> dict[str, str]:
    """Both views' narratives: the view's instruction, then what the other view asks for as not relevant."""
    a = " ".join(instruction.split())
    b = " ".join(instruction_reversed.split())
    return {
        "instruction": f"{a} {view_exclusion(a, b, 'A')}",
        "instruction_reversed": f"{b} {view_exclusion(a, b, 'B')}",
    }


def add_narratives(rows: list[dict[str, Any]], style: str = "narrative") -> list[dict[str, Any]]:
    """Return copies of the rows with ``styles[style]`` set to the templated narratives."""
    out = []
    for row in rows:
        variant = narrative_views(row["instruction"], row["instruction_reversed"])
        assert states_exclusion(variant["instruction"]) and states_exclusion(variant["instruction_reversed"])
        new = dict(row)
        new["styles"] = {**(row.get("styles") or {}), style: variant}
        new["styles_source"] = {**(row.get("styles_source") or {}), style: SOURCE}
        out.append(new)
    return out


def make_narrative_file(pairs: Path, out: Path, style: str = "narrative") -> int:
    """Read ``pairs`` (checked row by row), write ``out`` atomically; returns the number of rows."""
    rows = []
    for line, obj in iter_json_lines(pairs):
        parse_record(DualViewPair, obj, pairs, line)
        rows.append(obj)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in add_narratives(rows, style))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, text)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", type=Path, help="dual-view pairs JSONL")
    parser.add_argument("--out", type=Path, required=True, help="output JSONL (the pairs plus styles[STYLE])")
    parser.add_argument("--style", default="narrative", help="style name to write (default: narrative)")
    args = parser.parse_args(argv)
    try:
        n = make_narrative_file(args.pairs, args.out, args.style)
    except InstructretError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} rows with a templated '{args.style}' style to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
