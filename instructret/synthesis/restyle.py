"""Restyling: every view's instruction rewritten in the requested styles, each variant checked.

A pair row gains two keys (the same in ``synth --styles`` and ``restyle`` output):

- ``styles``: ``{style: {"instruction": <view A in that style>, "instruction_reversed": <view B>}}``, only
  for styles whose two variants both passed the checks (and the verification pass, unless it is off);
- ``styles_failed``: ``{style: reason}`` for the others.

The row's top-level ``instruction`` / ``instruction_reversed`` stay as they were (the "original" style).
Restyling a row that already has ``styles`` keeps them and adds or replaces the requested ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import DualViewPair
from instructret.synthesis.checks import CHECKS_VERSION, trivial_reason
from instructret.synthesis.client import BadAnswerError, JsonLLM, LLMConfig, TransientLLMError
from instructret.synthesis.prompts import STYLE_PROMPT_VERSION, StyledAnswer, restyle_messages
from instructret.synthesis.runner import Failure, Job, Outcome, RunSummary, content_hash
from instructret.synthesis.styles import STYLES, parse_styles, states_exclusion, view_exclusion
from instructret.synthesis.verify import judge_pair


def restyle_views(
    llm: JsonLLM,
    query: str,
    instruction: str,
    instruction_reversed: str,
    positive: str,
    negative: str,
    styles: Sequence[str],
    verify: bool = True,
) -> tuple[dict[str, dict[str, str]], dict[str, str], list[Failure]]:
    """Write both views' instructions in each style and check every variant.

    Returns:
        The kept variants by style, the failed styles with their reasons, and the failures to record.

    Raises:
        TransientLLMError: The server kept failing; the caller retries the whole row later.
    """
    kept: dict[str, dict[str, str]] = {}
    failed: dict[str, str] = {}
    failures: list[Failure] = []
    for name in styles:
        spec = STYLES[name]
        exclusions = None
        if spec.states_exclusion:
            exclusions = (
                view_exclusion(instruction, instruction_reversed, "A"),
                view_exclusion(instruction, instruction_reversed, "B"),
            )
        messages = restyle_messages(
            query, instruction, instruction_reversed, positive, negative, name, exclusions, llm.config.max_doc_chars
        )
        try:
            ans = llm.ask(messages, StyledAnswer, name=f"restyle_{name}")
            a, b = " ".join(ans.instruction.split()), " ".join(ans.instruction_reversed.split())
            # Exclusion styles name the other view's need in both variants, so A and B share their words by
            # design; the mere-negation test only makes sense for the positively phrased styles.
            reason = trivial_reason(a, None, positive, negative) or trivial_reason(
                b, a, positive, negative, check_negation=not spec.states_exclusion
            )
            if reason is None and spec.example in (a, b):
                reason = "trivial reversal: copies the style's example from the prompt"
            if reason is None and spec.states_exclusion and not (states_exclusion(a) and states_exclusion(b)):
                reason = "missing exclusion: the variant does not say what is not relevant"
            if reason is None and spec.requires_only and (states_exclusion(a) or states_exclusion(b)):
                reason = "stated exclusion: a requirement-only variant says what is not relevant"
            if reason is None and verify:
                reason = judge_pair(llm, query, a, b, positive, negative, label=name)
            candidate = {"instruction": a, "instruction_reversed": b}
        except BadAnswerError as exc:
            reason = f"invalid answer: {exc}"
            candidate = {"reply": exc.reply[:1000]} if exc.reply else None
        if reason is None:
            kept[name] = {"instruction": a, "instruction_reversed": b}
        else:
            failed[name] = reason
            failures.append(Failure(reason, final=True, stage="style", style=name, candidate=candidate))
    return kept, failed, failures


def _restyle_one(llm: JsonLLM, obj: dict[str, Any], pair: DualViewPair, styles: Sequence[str], verify: bool) -> Outcome:
    try:
        kept, failed, failures = restyle_views(
            llm,
            pair.query,
            pair.instruction,
            pair.instruction_reversed,
            pair.positive.text,
            pair.negative.text,
            styles,
            verify,
        )
    except TransientLLMError as exc:
        return Outcome(None, [Failure(f"server error: {exc}", final=False, stage="style")])
    row = dict(obj)
    row["styles"] = {**(obj.get("styles") or {}), **kept}
    row["styles_failed"] = {k: v for k, v in {**(obj.get("styles_failed") or {}), **failed}.items() if k not in kept}
    row["style_model"] = llm.config.model
    row["style_prompt_version"] = STYLE_PROMPT_VERSION
    row["styles_verified"] = verify
    return Outcome(row, failures, kept_styles=tuple(kept))


def read_pairs(path: str | Path, limit: int | None = None) -> list[tuple[int, dict[str, Any], DualViewPair]]:
    """Read and validate a dual-view pairs file (raises ``InputError`` naming file:line:field)."""
    rows = []
    for line, obj in iter_json_lines(path):
        rows.append((line, obj, parse_record(DualViewPair, obj, path, line)))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def run_restyle(
    pairs: str | Path,
    out: str | Path,
    llm: LLMConfig | JsonLLM,
    styles: str | Sequence[str],
    *,
    failures: str | Path | None = None,
    concurrency: int | None = None,
    verify: bool = True,
    limit: int | None = None,
    progress: bool = True,
) -> RunSummary:
    """Restyle an existing dual-view file; resumable like :func:`~instructret.synthesis.run_synthesis`.

    Every input row is written to ``out`` with ``styles`` / ``styles_failed`` added (see the module
    docstring), keyed by ``restyle_key`` (hash of the pair's content, style prompt version, model, styles
    and whether verification is on). A rerun skips finished rows with no LLM call.

    Args:
        pairs: Dual-view pairs JSONL.
        out: Output JSONL (appended to).
        llm: Endpoint settings, or a ready client.
        styles: Style names (``"short,narrative"`` or a list); see :data:`~instructret.synthesis.STYLES`.
        failures: Failures side file (default ``<out>.failures.jsonl``).
        concurrency: Rows in flight at once (default: the LLM settings' ``concurrency``).
        verify: Judge every styled variant with a second LLM call.
        limit: Only the first ``limit`` rows.
        progress: Show a progress bar.

    Returns:
        Counts, per-style counts and token usage.
    """
    names = parse_styles(styles)
    if not names:
        from instructret.errors import InstructretError

        raise InstructretError("restyle needs at least one style, e.g. --styles short,narrative")
    rows = read_pairs(pairs, limit)
    client = llm if isinstance(llm, JsonLLM) else JsonLLM(llm)
    model = client.config.model
    failures = Path(failures) if failures else Path(str(out) + ".failures.jsonl")
    summary = RunSummary(out=Path(out), failures=failures, model=model)

    def jobs():  # noqa: ANN202 - generator
        for line, obj, pair in rows:
            core = pair.model_dump(include={"query", "instruction", "instruction_reversed", "positive", "negative"})
            key = content_hash(
                {
                    "pair": content_hash(core),
                    "prompt": STYLE_PROMPT_VERSION,
                    "checks": CHECKS_VERSION,
                    "model": model,
                    "styles": list(names),
                    "verify": verify,
                }
            )
            yield Job(key, line, (obj, pair), label=f"{pairs}:{line}")

    return summary.run(
        client,
        client is not llm,
        jobs(),
        lambda payload: _restyle_one(client, payload[0], payload[1], names, verify),
        key_field="restyle_key",
        total=len(rows),
        concurrency=concurrency,
        description="restyle",
        progress=progress,
    )
