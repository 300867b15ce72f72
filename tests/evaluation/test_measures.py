"""The measure registry: one spelling per measure in the library, display, legacy keys, undefined p-MRR."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

from instructret.evaluation.measures import (
    LEGACY_NAMES,
    MAP_1000,
    MEASURES,
    NDCG_5,
    P_MRR,
    canonical_scores,
    json_ready,
    mean,
)

ROOT = Path(__file__).resolve().parents[2]
# mteb_parity reads mteb's own result keys ("map_at_1000"), which are mteb's spelling, not ours
EXEMPT = {"instructret/evaluation/measures.py", "instructret/evaluation/mteb_parity.py"}


def _string_keys(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, except its docstrings and its __all__."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            skip.update(id(n) for n in ast.walk(node.value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


def test_every_measure_name_is_spelled_in_one_place():
    names = set(MEASURES) | set(LEGACY_NAMES) | {"AP@1000"}
    found = []
    for folder in ("instructret", "cli", "integrations"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            found += [f"{rel}:{line} {value!r}" for line, value in _string_keys(path)
                      if value in names and rel not in EXEMPT]
    assert not found, "use the constants of instructret.evaluation.measures:\n" + "\n".join(found)


def test_display_is_x100_signed_for_pmrr_and_na_when_undefined():
    assert MEASURES[P_MRR].format(0.10477) == "+10.48" and MEASURES[P_MRR].format(-0.0586) == "-5.86"
    assert MEASURES[MAP_1000].format(0.466) == "46.60"
    assert MEASURES[NDCG_5].format(float("nan")) == "n/a" and MEASURES[P_MRR].format(None) == "n/a"
    assert [m.label for m in MEASURES.values()] == ["p-MRR", "og MAP@1000", "og nDCG@5"]


def test_older_spellings_read_back_as_canonical_names():
    # instructret.json and dev_before.json of models trained by earlier versions
    old = {"dev_pmrr": 0.1, "dev_og_map_at_1000": 0.46, "dev_og_ndcg_at_5": 0.51, "eval_runtime": 3.0}
    assert canonical_scores(old, prefix="dev_") == {P_MRR: 0.1, MAP_1000: 0.46, NDCG_5: 0.51}
    new = {"eval_dev_nDCG@5": 0.5, "eval_dev_p-MRR": None, "loss": 0.3}
    scores = canonical_scores(new, prefix="eval_dev_")
    assert list(scores) == [P_MRR, NDCG_5] and math.isnan(scores[P_MRR])  # null read back: undefined again
    assert canonical_scores(None) is None


def test_undefined_is_nan_in_memory_and_null_in_json():
    assert math.isnan(mean({})) and math.isnan(mean([0.1, float("nan")])) and mean([0.1, 0.3]) == 0.2
    data = {"mean": {P_MRR: float("nan"), MAP_1000: 0.5}, "runs": [float("nan"), 1.0]}
    text = json.dumps(json_ready(data), allow_nan=False)  # standard JSON
    assert json.loads(text) == {"mean": {P_MRR: None, MAP_1000: 0.5}, "runs": [None, 1.0]}
