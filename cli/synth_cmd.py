"""``instructret synth`` and ``instructret restyle``."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from instructret.cli.common import console, err_console, user_errors
from instructret.synthesis import (
    STYLES,
    LLMConfig,
    RunSummary,
    negative_strategies,
    open_llm,
    run_restyle,
    run_synthesis,
)
from instructret.synthesis.client import RESPONSE_FORMATS

__all__ = ["register"]

_STYLE_HELP = (
    f"Also write each view's instruction in these styles, comma-separated ({', '.join(STYLES)}); "
    "narrative and exclusion say what is not relevant. Kept per style in each row's 'styles'."
)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output JSONL (appended to; rerun to resume).")]
FailuresOpt = Annotated[
    Path | None, typer.Option(help="Side file of failures with reasons (default: OUT.failures.jsonl).")
]
LlmOpt = Annotated[
    str, typer.Option(help="'api': an OpenAI-compatible endpoint; 'local': the embedded SmolLM2-135M (offline).")
]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="Endpoint, e.g. http://127.0.0.1:8080/v1 (default: OPENAI_BASE_URL or OpenAI).")
]
LlmModelOpt = Annotated[str | None, typer.Option("--model", help="LLM model name (required with --llm api).")]
KeyEnvOpt = Annotated[str, typer.Option(help="Environment variable that holds the API key (never printed).")]
ConcurrencyOpt = Annotated[
    int | None, typer.Option(min=1, help="Rows in flight at once (default 4; local 1: one model, one prompt cache).")
]
VerifyOpt = Annotated[bool, typer.Option("--verify/--no-verify", help="Judge every view with a second LLM call.")]
StylesOpt = Annotated[str | None, typer.Option(help=_STYLE_HELP)]
TimeoutOpt = Annotated[float | None, typer.Option(help="Seconds per request (default 60; local 180).")]
RetriesOpt = Annotated[int | None, typer.Option(help="Retries per request on 429/5xx/timeouts (default 5).")]
ReasksOpt = Annotated[int | None, typer.Option(help="Re-asks when a reply is not valid JSON (default 2).")]
FormatOpt = Annotated[
    str | None, typer.Option(help=f"response_format: {', '.join(RESPONSE_FORMATS)} (default auto; local: llama).")
]
TempOpt = Annotated[float | None, typer.Option(help="Sampling temperature (default 0.2).")]
MaxTokOpt = Annotated[int | None, typer.Option(help="Completion tokens per request (default 400).")]
DocCharsOpt = Annotated[int | None, typer.Option(help="Clip documents in prompts to this many characters.")]
LimitOpt = Annotated[int | None, typer.Option(help="Only the first N input rows.")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


def _overrides(**given: Any) -> dict[str, Any]:
    names = {f.name for f in fields(LLMConfig)}
    return {k: v for k, v in given.items() if v is not None and k in names}


def _api_config(
    model: str | None, base_url: str | None, api_key_env: str, overrides: dict[str, Any]
) -> LLMConfig | None:
    if model is None:
        return None
    return replace(LLMConfig(model=model, base_url=base_url, api_key_env=api_key_env), **overrides)


def _concurrency(given: int | None, llm: str) -> int:
    return given if given is not None else (1 if llm == "local" else 4)


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
    def synth(
        seeds: Annotated[
            str,
            typer.Argument(
                help="Seed JSONL ({query, instruction?, positive, negatives}, or Promptriever rows), "
                "or hf:owner/name[:split]."
            ),
        ],
        out: OutOpt,
        failures: FailuresOpt = None,
        llm: LlmOpt = "api",
        base_url: BaseUrlOpt = None,
        model: LlmModelOpt = None,
        api_key_env: KeyEnvOpt = "OPENAI_API_KEY",
        concurrency: ConcurrencyOpt = None,
        verify: VerifyOpt = True,
        negative: Annotated[
            str, typer.Option(help=f"Hard negative: {' or '.join(negative_strategies())} (encoder = most confusable).")
        ] = "first",
        encoder: Annotated[str, typer.Option(help="Encoder for --negative encoder.")] = "minilm",
        styles: StylesOpt = None,
        write_instructions: Annotated[
            bool,
            typer.Option(
                "--write-instructions/--no-write-instructions",
                help="For seeds without an instruction, have the LLM write one first (else record them as failed).",
            ),
        ] = True,
        timeout: TimeoutOpt = None,
        max_retries: RetriesOpt = None,
        reasks: ReasksOpt = None,
        response_format: FormatOpt = None,
        temperature: TempOpt = None,
        max_tokens: MaxTokOpt = None,
        max_doc_chars: DocCharsOpt = None,
        limit: LimitOpt = None,
        progress: ProgressOpt = True,
        as_json: JsonOpt = False,
    ) -> None:
        """Write dual-view pairs by polarity reversal: for each seed, an instruction that flips its documents."""
        ov = _overrides(
            timeout=timeout,
            max_retries=max_retries,
            reasks=reasks,
            response_format=response_format,
            temperature=temperature,
            max_tokens=max_tokens,
            max_doc_chars=max_doc_chars,
        )
        with open_llm(llm, _api_config(model, base_url, api_key_env, ov), **ov) as cfg:
            summary = run_synthesis(
                seeds,
                out,
                cfg,
                failures=failures,
                concurrency=_concurrency(concurrency, llm),
                verify=verify,
                negative=negative,
                encoder_model=encoder,
                styles=styles or (),
                write_instructions=write_instructions,
                limit=limit,
                progress=progress and not as_json,  # keep stdout pure JSON
            )
        _report(summary, as_json)

    @app.command("restyle")
    @user_errors
    def restyle(
        pairs: Annotated[Path, typer.Argument(help="Dual-view pairs JSONL (synth output or the shared format).")],
        out: OutOpt,
        styles: Annotated[str, typer.Option(help=_STYLE_HELP)],
        failures: FailuresOpt = None,
        llm: LlmOpt = "api",
        base_url: BaseUrlOpt = None,
        model: LlmModelOpt = None,
        api_key_env: KeyEnvOpt = "OPENAI_API_KEY",
        concurrency: ConcurrencyOpt = None,
        verify: VerifyOpt = True,
        timeout: TimeoutOpt = None,
        max_retries: RetriesOpt = None,
        reasks: ReasksOpt = None,
        response_format: FormatOpt = None,
        temperature: TempOpt = None,
        max_tokens: MaxTokOpt = None,
        max_doc_chars: DocCharsOpt = None,
        limit: LimitOpt = None,
        progress: ProgressOpt = True,
        as_json: JsonOpt = False,
    ) -> None:
        """Rewrite the instructions of existing dual-view pairs in more styles (kept per style in each row)."""
        ov = _overrides(
            timeout=timeout,
            max_retries=max_retries,
            reasks=reasks,
            response_format=response_format,
            temperature=temperature,
            max_tokens=max_tokens,
            max_doc_chars=max_doc_chars,
        )
        with open_llm(llm, _api_config(model, base_url, api_key_env, ov), **ov) as cfg:
            summary = run_restyle(
                pairs,
                out,
                cfg,
                styles,
                failures=failures,
                concurrency=_concurrency(concurrency, llm),
                verify=verify,
                limit=limit,
                progress=progress and not as_json,  # keep stdout pure JSON
            )
        _report(summary, as_json)
