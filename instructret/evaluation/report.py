"""Human-readable FollowIR reports: a markdown table among the published models, and a p-MRR plot."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from instructret.errors import InstructretError
from instructret.evaluation.followir import FollowIRResult
from instructret.evaluation.measures import MEASURES, P_MRR, PMRR_QUERIES, is_undefined, mean
from instructret.evaluation.published_scores import OFFICIAL_SCORE, REFERENCE_PMRR, REFERENCE_SETS


def coverage_note(official: Mapping[str, bool]) -> str:
    """Say how this run's data relates to the data the reference rows come from."""
    names = list(official)
    if all(official.values()) and sorted(names) == sorted(REFERENCE_SETS):
        return ("Reference rows are published means over the official Robust04, News21 and Core17 sets; this "
                "run's row is the mean over the same three sets.")
    if all(official.values()):
        return (f"This run covers only {', '.join(names)}; the reference rows are published means over all "
                "three official sets (Robust04, News21, Core17), so the comparison is approximate.")
    return ("The reference rows are published means over the official Robust04, News21 and Core17 sets, not "
            "this data: they place the model in context and are not a like-for-like comparison.")


def markdown_table(
    model: str,
    template: str,
    results: Mapping[str, FollowIRResult],
    official: Mapping[str, bool],
    split: str = "",
) -> str:
    """Markdown with one row per dataset (x100), then the model among the published reference rows.

    ``split`` describes how instructions were split (parser and exclusion weight), if they were.
    """
    lines = [
        f"### FollowIR: `{model}`, query template {template!r}" + (f", {split}" if split else ""),
        "",
        "| dataset | queries | " + " | ".join(MEASURES) + " |",
        "|---|---:|" + "---:|" * len(MEASURES),
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r.counts['queries']} | "
                     + " | ".join(m.format(r.scores[m.name]) for m in MEASURES.values()) + " |")
    means = mean_scores(results)
    if len(results) > 1:
        cells = [m.format(means[m.name]) for m in MEASURES.values()]
        lines.append(f"| **mean** | | **{cells[0]}** | " + " | ".join(cells[1:]) + " |")
    officials = [f"{OFFICIAL_SCORE[n]} for {n}" for n in results if n in OFFICIAL_SCORE and official.get(n)]
    run_measures = " and ".join(n for n, m in MEASURES.items() if m.run == "og")
    lines += [
        "",
        f"All scores x100. {run_measures} are computed on the original-instruction run"
        + (f" (official score: {', '.join(officials)})." if officials else "."),
    ]
    lines += [undefined_note(n, r) for n, r in results.items() if is_undefined(r.scores[P_MRR])]
    lines += [
        "",
        f"| model | {P_MRR} (x100) |",
        "|---|---:|",
    ]
    ours = 100 * means[P_MRR]
    label = f"**{model} (this run: {', '.join(results)})**"
    rows = [(v, name) for name, v in REFERENCE_PMRR.items()] + [(ours, label)]
    for value, name in sorted(rows, key=lambda r: -r[0] if not math.isnan(r[0]) else math.inf):
        cell = f"{value:+.2f}" if not math.isnan(value) else "n/a"
        lines.append(f"| {name} | {f'**{cell}**' if name == label else cell} |")
    lines += ["", coverage_note(official)]
    return "\n".join(lines) + "\n"


def mean_scores(results: Mapping[str, FollowIRResult]) -> dict[str, float]:
    """Each measure's mean over datasets (NaN if there are none, or if any dataset's value is undefined)."""
    return {name: mean([r.scores[name] for r in results.values()]) for name in MEASURES}


def undefined_note(name: str, result: FollowIRResult) -> str:
    """Why a dataset's p-MRR is n/a, with the count of queries it could average over."""
    return (f"{P_MRR} is n/a for {name}: {result.counts.get(PMRR_QUERIES, 0)} of {result.counts['queries']} "
            "queries have a changed document ranked under both instructions.")


def plot_pmrr(model: str, results: Mapping[str, FollowIRResult], official: Mapping[str, bool], path: Path) -> Path:
    """Bar chart of p-MRR (x100) per dataset, with the published models as reference lines; written as PNG."""
    try:
        import matplotlib
    except ImportError as exc:
        raise InstructretError("the FollowIR plot needs matplotlib: pip install 'instructret[bench]'") from exc

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results) + (["mean"] if len(results) > 1 else [])
    values = [100 * r.scores[P_MRR] for r in results.values()]
    if len(results) > 1:
        values.append(100 * mean_scores(results)[P_MRR])
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 5.5, 4.5), dpi=120)
    colors = ["#4c72b0"] * len(results) + (["#dd8452"] if len(results) > 1 else [])
    bars = ax.bar(names, values, color=colors, width=0.5, label=f"{model} (this run)")
    ax.bar_label(bars, labels=[MEASURES[P_MRR].format(v / 100) for v in values], padding=2, fontsize=9)
    ax.set_xlim(-0.8, len(names) - 0.2)
    ax.axhline(0, color="black", linewidth=0.8)
    cmap = plt.get_cmap("tab10")
    for i, (ref, value) in enumerate(sorted(REFERENCE_PMRR.items(), key=lambda kv: -kv[1])):
        ax.axhline(value, color=cmap(i % 10), linestyle="--", linewidth=1, label=f"{ref} ({value:+.1f})")
    ax.set_ylabel(f"{P_MRR} (x100)")
    scope = "the official sets" if all(official.values()) else "not the official data"
    ax.set_title(f"FollowIR {P_MRR}: {model}", fontsize=11)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False,
              title=f"dashed: published means over\nRobust04/News21/Core17\nbars: {scope}", title_fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
