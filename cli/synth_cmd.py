"""``instructret synth`` and ``instructret restyle``: two commands over one set of shared options.

Both take the LLM settings (the fields of :class:`~instructret.synthesis.LLMConfig`, with their defaults and
help) and the run options of :class:`RunOptions`; the library decides what the user left out, such as one
row at a time for the embedded model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from instructret.cli.common import console, err_console, user_errors
from instructret.cli.options import DataclassOptions, with_options
from instructret.synthesis import (
    STYLES,
    LLMConfig,
    RunSummary,
    local_llm_config,
    negative_strategies,
    open_llm,
    run_restyle,
    run_synthesis,
)

__all__ = ["LLM_OPTIONS", "RUN_OPTIONS", "RunOptions", "register"]

_STYLE_HELP = (
    f"Also write each view's instruction in these styles, comma-separated ({', '.join(STYLES)}); "
    "narrative and exclusion say what is not relevant. Kept per style in each row's 'styles'."
)

#: LLMConfig fields that pick an API endpoint; the others are request settings for either backend.
ENDPOINT_FIELDS = ("model", "base_url", "api_key_env")


@dataclass
class RunOptions:
    """What synth and restyle take besides the LLM settings.

    Attributes:
        failures: Side file of failures with reasons (default: OUT.failures.jsonl).
        llm: ``api``: an OpenAI-compatible endpoint (``--model``, usually ``--base-url``); ``local``: the
            embedded SmolLM2-135M, offline.
        verify: Judge every view with a second LLM call.
        limit: Only the first N input rows.
        progress: Show a progress bar.
        as_json: Print the summary as JSON.
    """

    failures: Path | None = None
    llm: str = "api"
    verify: bool = True
    limit: int | None = None
    progress: bool = True
    as_json: bool = False


def _local_notes() -> dict[str, str]:
    """Where the embedded model's settings differ from an API's, say so in the option's help."""
    local, api = local_llm_config("http://127.0.0.1/v1"), LLMConfig(model="-")
    return {f.name: f"(--llm local: {getattr(local, f.name)})" for f in fields(LLMConfig)
            if f.name not in ENDPOINT_FIELDS and getattr(local, f.name) != getattr(api, f.name)}


LLM_OPTIONS = DataclassOptions(LLMConfig, optional=("model",), notes=_local_notes(), panel="LLM")
RUN_OPTIONS = DataclassOptions(RunOptions, names={"as_json": "--json"})

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output JSONL (appended to; rerun to resume).")]


def _run(llm: dict[str, Any], given: dict[str, Any], work: Callable[[LLMConfig, dict[str, Any]], RunSummary]) -> None:
    """Open the LLM the options describe, call ``work(settings, run keywords)``, and report its summary."""
    run = RunOptions(**given)
    endpoint = {k: llm.pop(k) for k in ENDPOINT_FIELDS if k in llm}
    api = LLMConfig(**endpoint, **llm) if endpoint.get("model") else None
    with open_llm(run.llm, api, **llm) as settings:
        summary = work(settings, {"failures": run.failures, "verify": run.verify, "limit": run.limit,
                                  "progress": run.progress and not run.as_json})  # keep stdout pure JSON
    _report(summary, run.as_json)


def _report(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(summary.as_dict()))
    else:
        c = summary.counts
        reasons = ", ".join(f"{k} {v}" for k, v in c.reasons.most_common()) or "none"
        console.print(
            f"{c.total} rows: done {c.done} · failed {c.failed} · retry later {c.transient} · "
            f"skipped {c.skipped} done before, {c.skipped_failed} failed before, {c.duplicates} duplicates"
        )
        console.print(f"failure reasons: {reasons}", highlight=False)
        for name, counter in summary.styles.items():
            detail = ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))
            console.print(f"style {name}: {detail}", highlight=False)
        u = summary.usage
        console.print(
            f"LLM: {u.get('requests', 0)} requests ({u.get('retries', 0)} retries, {u.get('reasks', 0)} re-asks), "
            f"{u.get('prompt_tokens', 0)} prompt + {u.get('completion_tokens', 0)} completion tokens, "
            f"{summary.seconds:.1f}s; model {summary.model}"
        )
        console.print(f"wrote {summary.out} (failures: {summary.failures})", highlight=False)
    if summary.counts.transient:
        err_console.print(
            f"{summary.counts.transient} rows hit server errors after all retries; rerun the same command to retry."
        )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the synth and restyle commands to ``app``."""

    @app.command("synth")
    @user_errors
    @with_options(run=RUN_OPTIONS, llm=LLM_OPTIONS)
    def synth(
        seeds: Annotated[
            str,
            typer.Argument(
                help="Seed JSONL ({query, instruction?, positive, negatives}, or Promptriever rows), "
                "or hf:owner/name[:split]."
            ),
        ],
        out: OutOpt,
        run: dict[str, Any],
        llm: dict[str, Any],
        negative: Annotated[
            str, typer.Option(help=f"Hard negative: {' or '.join(negative_strategies())} (encoder = most confusable).")
        ] = "first",
        encoder: Annotated[str, typer.Option(help="Encoder for --negative encoder.")] = "minilm",
        styles: Annotated[str | None, typer.Option(help=_STYLE_HELP)] = None,
        write_instructions: Annotated[
            bool,
            typer.Option(
                "--write-instructions/--no-write-instructions",
                help="For seeds without an instruction, have the LLM write one first (else record them as failed).",
            ),
        ] = True,
    ) -> None:
        """Write dual-view pairs by polarity reversal: for each seed, an instruction that flips its documents."""
        _run(llm, run, lambda settings, common: run_synthesis(
            seeds, out, settings, negative=negative, encoder_model=encoder, styles=styles or (),
            write_instructions=write_instructions, **common))

    @app.command("restyle")
    @user_errors
    @with_options(run=RUN_OPTIONS, llm=LLM_OPTIONS)
    def restyle(
        pairs: Annotated[Path, typer.Argument(help="Dual-view pairs JSONL (synth output or the shared format).")],
        out: OutOpt,
        styles: Annotated[str, typer.Option(help=_STYLE_HELP)],
        run: dict[str, Any],
        llm: dict[str, Any],
    ) -> None:
        """Rewrite the instructions of existing dual-view pairs in more styles (kept per style in each row)."""
        _run(llm, run, lambda settings, common: run_restyle(pairs, out, settings, styles, **common))
