"""Summaries, the markdown table and the bar chart of benchmarks/ablation.py (mean ± std over seeds)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instructret.evaluation.measures import MEASURES, P_MRR, is_undefined

#: (key in a run's metrics, label in tables and plots); values are raw fractions, shown x100.
METRICS = tuple((name, m.label) for name, m in MEASURES.items())


def mean_std(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean, sample standard deviation (None with one value) and the values, ignoring missing ones."""
    vals = [v for v in values if not is_undefined(v)]
    return {
        "mean": statistics.fmean(vals) if vals else None,
        "std": statistics.stdev(vals) if len(vals) > 1 else None,
        "n": len(vals),
        "values": vals,
    }


def summarize(runs: Sequence[Mapping[str, Any]], conditions: Sequence[str], datasets: Sequence[str]) -> dict:
    """Condition -> {"mean": {metric: mean_std}, "datasets": {name: {metric: mean_std}}, seeds, budget, times}."""
    out: dict[str, Any] = {}
    for name in conditions:
        rs = sorted((r for r in runs if r["condition"] == name), key=lambda r: (r["seed"] is not None, r["seed"]))
        if not rs:
            continue
        trains = [r["train"] for r in rs if r.get("train")]
        out[name] = {
            "seeds": [r["seed"] for r in rs],
            "mean": {m: mean_std([r["mean"].get(m) for r in rs]) for m, _ in METRICS},
            "datasets": {d: {m: mean_std([r["eval"][d].get(m) for r in rs]) for m, _ in METRICS} for d in datasets},
            "examples_seen": sorted({t["examples_seen"] for t in trains}),
            "steps": sorted({t["global_step"] for t in trains}),
            "train_s": mean_std([t.get("train_s") for t in trains]),
            "eval_s": mean_std([r.get("eval_s") for r in rs]),
        }
    return out


def _cell(stat: Mapping[str, Any], name: str) -> str:
    text = MEASURES[name].format(stat["mean"])
    return text + (f" ± {100 * stat['std']:.2f}" if stat["std"] is not None else "")


def _table(summary: Mapping[str, Any], descriptions: Mapping[str, str], key: str | None) -> list[str]:
    lines = [
        "| condition | trains on | seeds | examples seen | " + " | ".join(label for _, label in METRICS)
        + " | train s |",
        "|---|---|---|---:|" + "---:|" * len(METRICS) + "---:|",
    ]
    for name, s in summary.items():
        stats = s["mean"] if key is None else s["datasets"][key]
        seeds = ", ".join(str(x) for x in s["seeds"]) if s["seeds"] != [None] else "- (no training)"
        seen = "/".join(str(x) for x in s["examples_seen"]) or "0"
        train_s = f"{s['train_s']['mean']:.0f}" if s["train_s"]["mean"] is not None else "-"
        cells = " | ".join(_cell(stats[m], m) for m, _ in METRICS)
        lines.append(f"| {name} | {descriptions.get(name, '')} | {seeds} | {seen} | {cells} | {train_s} |")
    return lines


def markdown_report(
    title: str,
    summary: Mapping[str, Any],
    descriptions: Mapping[str, str],
    datasets: Sequence[str],
    notes: Sequence[str],
) -> str:
    """The results table (mean over the eval sets, then one per set when there are several) and notes."""
    lines = [f"### {title}", ""]
    lines += _table(summary, descriptions, None)
    if len(datasets) > 1:
        for d in datasets:
            lines += ["", f"#### {d}", ""] + _table(summary, descriptions, d)
    lines += ["", *notes]
    return "\n".join(lines) + "\n"


def plot_ablation(summary: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], title: str, path: Path) -> Path:
    """Bar chart: p-MRR, og MAP@1000 and og nDCG@5 per condition, mean with ± std error bars, seeds as dots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4.2 * len(METRICS), 4.6), constrained_layout=True)
    for ax, (key, label) in zip(axes, METRICS, strict=True):
        means = [100 * (summary[n]["mean"][key]["mean"] or 0.0) for n in names]
        stds = [100 * (summary[n]["mean"][key]["std"] or 0.0) for n in names]
        colors = ["#999999" if summary[n]["seeds"] == [None] else f"C{i}" for i, n in enumerate(names)]
        ax.bar(range(len(names)), means, yerr=stds, capsize=4, color=colors, alpha=0.8)
        for i, n in enumerate(names):
            vals = [100 * r["mean"][key] for r in runs
                    if r["condition"] == n and not is_undefined(r["mean"].get(key))]
            ax.scatter([i] * len(vals), vals, color="black", s=10, zorder=3)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_title(f"{label} (x100)")
        if key == P_MRR:
            ax.axhline(0.0, color="black", linewidth=0.8)
        else:
            lo = min(m - s for m, s in zip(means, stds, strict=True))
            hi = max(m + s for m, s in zip(means, stds, strict=True))
            pad = max(1.0, 0.15 * (hi - lo))
            ax.set_ylim(max(0.0, lo - pad), hi + pad)
    fig.suptitle(f"{title}\nbars: mean over seeds, error bars: ± std, dots: single seeds", fontsize=10)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
