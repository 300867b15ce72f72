"""The record a trained model carries: a model card section and machine-readable training metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from instructret.evaluation.measures import MEASURES, json_ready
from instructret.formatting import InstructionTemplate
from instructret.query_config import CONFIG_FILENAME, write_query_config
from instructret.training.config import TrainConfig, TrainResult

CARD_HEADING = "## instructret dual-view training"


def _metric_rows(before: dict[str, float] | None, after: dict[str, float] | None) -> list[str]:
    rows = []
    for name, measure in MEASURES.items():
        if name not in (before or {}) and name not in (after or {}):
            continue
        cells = [measure.format(scores[name]) if name in (scores or {}) else "-" for scores in (before, after)]
        rows.append(f"| {measure.label} | {cells[0]} | {cells[1]} |")
    return rows


def training_record(config: TrainConfig, result: TrainResult, template: InstructionTemplate) -> dict[str, Any]:
    """Everything needed to tell how a model was trained, as JSON-ready data."""
    return {
        "base_model": config.model,
        "query_template": template.template,
        "data": result.data.files,
        "rows_per_epoch": result.data.rows_per_epoch,
        "pairs": result.data.pairs,
        "general_per_epoch": result.data.general_per_epoch,
        "styles": result.data.styles,
        "style_fallbacks": result.data.style_fallbacks,
        "flags": {k: v for k, v in config.to_dict().items() if k not in ("show_progress", "resume", "overwrite")},
        "global_step": result.global_step,
        "epochs": result.epochs,
        "dev_eval_dir": str(config.eval_dir) if config.eval_dir else None,
        "dev_before": json_ready(result.dev_before),
        "dev_after": json_ready(result.dev_after),
    }


def write_training_metadata(config: TrainConfig, result: TrainResult, template: InstructionTemplate) -> Path:
    """Write the model's ``instructret.json``: template, training record and, if split-aware, the split settings.

    After split-aware training the parser and exclusion weight are saved, so search composes queries as
    training did.

    A model trained on joined instructions carries no split settings of its own: search then uses the
    library's (or the caller's), as for any other model.
    """
    split = {"parser": config.parser, "exclusion_weight": config.exclusion_weight} if config.split else {}
    return write_query_config(config.output_dir, query_template=template.template,
                              training=training_record(config, result, template), **split)


def card_section(config: TrainConfig, result: TrainResult, template: InstructionTemplate) -> str:
    """The Markdown section that :func:`write_model_card` adds to the model card."""
    rec = training_record(config, result, template)
    lines = [
        CARD_HEADING,
        "",
        "Trained with `instructret train` on dual-view pairs: each document pair is seen under two",
        "complementary instructions, both views in one batch, so each view's document is the other's",
        "hard negative and the model has to read the instruction.",
        "",
        f"- **Base model:** `{config.model}`",
        f"- **Query template:** `{template.template}` (saved in `{CONFIG_FILENAME}`; `InstructEncoder(path)` "
        "uses it)",
        f"- **Views:** {config.views}; negatives: {'explicit column' if config.explicit_negatives else 'in-batch'}",
        "- **Instruction split:** " + (f"trained on the composed query vector (parser `{config.parser}`, exclusion "
                                       f"weight {config.exclusion_weight:g}, saved in `{CONFIG_FILENAME}`)"
                                       if config.split else "off (trained on joined instructions)"),
        f"- **Steps:** {result.global_step} ({result.epochs:.2f} epochs, {rec['rows_per_epoch']} rows per epoch)",
        "",
        "### Data",
        "",
        "| role | file | lines | sha256 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {f['role']} | `{f['path']}` | {f['lines']} | {f['sha256']} |" for f in rec["data"]]
    lines += [
        "",
        f"{rec['pairs']} dual-view pairs; {rec['general_per_epoch']} general pairs drawn per epoch.",
    ]
    if config.styles or config.style_mix:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(rec["styles"].items()))
        lines.append(f"Instruction styles (views that can use each): {counts}; fallbacks to original: "
                     f"{rec['style_fallbacks']}.")
    lines += ["", "### Flags", "", "| flag | value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in rec["flags"].items()]
    metric_rows = _metric_rows(result.dev_before, result.dev_after)
    if metric_rows:
        lines += [
            "",
            f"### Dev metrics (`{config.eval_dir}`, x100)",
            "",
            "| metric | base model | trained |",
            "|---|---|---|",
            *metric_rows,
        ]
    return "\n".join(lines) + "\n"


def write_model_card(config: TrainConfig, result: TrainResult, template: InstructionTemplate) -> Path:
    """Add the instructret section to the README.md model card that sentence-transformers wrote."""
    path = Path(config.output_dir) / "README.md"
    card = path.read_text() if path.is_file() else "# Sentence-transformers model\n"
    if CARD_HEADING in card:  # replace our section from an earlier save
        card = card[: card.index(CARD_HEADING)].rstrip() + "\n"
    path.write_text(card.rstrip() + "\n\n" + card_section(config, result, template))
    return path
