"""Polarity reversal: turn seed tuples into dual-view pairs with an LLM, resumably.

For each seed (query, instruction, positive P, hard negatives) one negative N is chosen, and the LLM
writes a complementary instruction under which N is relevant and P is not. The pair then has two views:
A = (instruction → P, not N) and B = (instruction_reversed → N, not P). Trivial reversals (a mere
negation, or copied document text) are dropped, and a verification pass (on by default) has the LLM
judge both views and drops pairs that fail.

Output rows follow the dual-view pair schema, plus provenance: ``attribute`` (what separates P and N),
``instruction_source`` (``seed`` or ``llm``), ``negative_choice`` ({strategy, index, score?}),
``verified``, ``synth_model``, ``prompt_version``, ``content_hash`` (of the seed row) and ``synth_key``
(the resume key). With styles, also ``styles`` / ``styles_failed`` (see
:mod:`instructret.synthesis.restyle`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instructret.data.jsonl import check_output_file
from instructret.data.records import SeedTuple
from instructret.synthesis.checks import CHECKS_VERSION, trivial_reason
from instructret.synthesis.client import BadAnswerError, JsonLLM, LLMConfig, TransientLLMError
from instructret.synthesis.negatives import NegativeChooser, make_negative_chooser
from instructret.synthesis.prompts import (
    PROMPT_VERSION,
    STYLE_PROMPT_VERSION,
    OriginalInstructionAnswer,
    ReversalAnswer,
    original_instruction_messages,
    reversal_messages,
)
from instructret.synthesis.restyle import restyle_views
from instructret.synthesis.runner import Failure, Job, Outcome, RunSummary, content_hash
from instructret.synthesis.seeds import read_seeds
from instructret.synthesis.styles import parse_styles
from instructret.synthesis.verify import judge_pair

if TYPE_CHECKING:
    from instructret.encoder import InstructEncoder


def reverse_polarity(
    llm: JsonLLM,
    seed: SeedTuple,
    choose: NegativeChooser,
    verify: bool = True,
    styles: Sequence[str] = (),
    write_instructions: bool = True,
) -> Outcome:
    """Synthesize one dual-view pair from a seed; never raises for a bad answer or a failing server.

    Args:
        llm: The client.
        seed: The seed tuple.
        choose: Picks the hard negative.
        verify: Run the verification pass.
        styles: Also write each view's instruction in these styles.
        write_instructions: Ask the LLM for view A's instruction when the seed has none (else the seed
            is recorded as failed).

    Returns:
        An :class:`Outcome` with the pair row, or with no row and the failure (``final=False`` when the
        server kept failing, so the seed is retried on the next run).
    """
    stage = "choose"
    try:
        choice = choose(seed)
        pos, neg = seed.positive, seed.negatives[choice.index]
        instruction = (seed.instruction or "").strip()
        source = "seed"
        mdc = llm.config.max_doc_chars
        if not instruction and not write_instructions:
            return Outcome(None, [Failure("missing instruction: the seed has none", True, "instruction")])
        if not instruction:
            stage = "instruction"
            ans = llm.ask(
                original_instruction_messages(seed.query, pos.text, neg.text, mdc),
                OriginalInstructionAnswer,
                name="original_instruction",
            )
            instruction, source = " ".join(ans.instruction.split()), "llm"
            bad = trivial_reason(instruction, None, pos.text, neg.text)
            if bad:
                reason = bad.replace("trivial reversal", "bad instruction")
                return Outcome(None, [Failure(reason, True, stage, candidate={"instruction": instruction})])
        stage = "reverse"
        rev = llm.ask(
            reversal_messages(seed.query, instruction, pos.text, neg.text, mdc),
            ReversalAnswer,
            name="polarity_reversal",
        )
        reversed_ = " ".join(rev.instruction_reversed.split())
        candidate = {"instruction": instruction, "instruction_reversed": reversed_, "attribute": rev.attribute}
        bad = trivial_reason(reversed_, instruction, pos.text, neg.text)
        if bad:
            return Outcome(None, [Failure(bad, True, stage, candidate=candidate)])
        if verify:
            stage = "verify"
            bad = judge_pair(llm, seed.query, instruction, reversed_, pos.text, neg.text)
            if bad:
                return Outcome(None, [Failure(bad, True, stage, candidate=candidate)])
        row: dict[str, Any] = {
            **(seed.model_extra or {}),
            "query": seed.query,
            "instruction": instruction,
            "instruction_reversed": reversed_,
            "positive": pos.model_dump(),
            "negative": neg.model_dump(),
            "attribute": " ".join(rev.attribute.split()),
            "instruction_source": source,
            "negative_choice": choice.as_dict(),
            "verified": verify,
            "synth_model": llm.config.model,
            "prompt_version": PROMPT_VERSION,
        }
        failures: list[Failure] = []
        kept: dict[str, dict[str, str]] = {}
        if styles:
            stage = "style"
            kept, failed, failures = restyle_views(
                llm, seed.query, instruction, reversed_, pos.text, neg.text, styles, verify
            )
            row.update(
                styles=kept,
                styles_failed=failed,
                style_model=llm.config.model,
                style_prompt_version=STYLE_PROMPT_VERSION,
                styles_verified=verify,
            )
        return Outcome(row, failures, kept_styles=tuple(kept))
    except BadAnswerError as exc:
        reply = {"reply": exc.reply[:1000]} if exc.reply else None
        return Outcome(None, [Failure(f"invalid answer: {exc}", True, stage, candidate=reply)])
    except TransientLLMError as exc:
        return Outcome(None, [Failure(f"server error: {exc}", False, stage)])


def run_synthesis(
    seeds: str | Path | Sequence[SeedTuple],
    out: str | Path,
    llm: LLMConfig | JsonLLM,
    *,
    failures: str | Path | None = None,
    concurrency: int | None = None,
    verify: bool = True,
    negative: str = "first",
    encoder: InstructEncoder | None = None,
    encoder_model: str = "minilm",
    styles: str | Sequence[str] = (),
    write_instructions: bool = True,
    limit: int | None = None,
    progress: bool = True,
) -> RunSummary:
    """Synthesize dual-view pairs from seeds, appending to ``out``; safe to interrupt and rerun.

    Every seed gets a key: a hash of its content plus the prompt version, model, hard-negative strategy,
    styles and verification flag. Seeds whose key is already in ``out`` (or in the failures file as a
    final failure) are skipped with no LLM call. Server trouble that outlasts the client's retries is
    recorded as a non-final failure and retried on the next run.

    Args:
        seeds: A seed JSONL file (or ``hf:owner/name[:split]``), or seed tuples.
        out: Output JSONL of dual-view pairs (appended to).
        llm: Endpoint settings, or a ready client.
        failures: Failures side file (default ``<out>.failures.jsonl``).
        concurrency: Seeds in flight at once (default: the LLM settings' ``concurrency``).
        verify: Run the verification pass.
        negative: Hard-negative strategy: ``first`` or ``encoder`` (see :mod:`.negatives`).
        encoder: Encoder for the ``encoder`` strategy (default: load ``encoder_model``).
        encoder_model: Model name for the ``encoder`` strategy when no encoder is given.
        styles: Also write each view's instruction in these styles (see :data:`.STYLES`).
        write_instructions: For seeds without an instruction, first ask the LLM to write one (the
            original view) from the query and the two documents; when False such seeds are recorded as
            failed.
        limit: Only the first ``limit`` seeds.
        progress: Show a progress bar with done / failed / skipped counts.

    Returns:
        The run's counts, per-style counts and token usage.

    Raises:
        InputError: A seed row is malformed (named by file:line:field), or ``out`` / ``failures`` is a
            directory; raised before any LLM call.
        FatalLLMError: The server cannot be reached at all, refused the key or does not know the model.
    """
    style_names = parse_styles(styles)
    failures = Path(failures) if failures else Path(str(out) + ".failures.jsonl")
    for path in (out, failures):  # a directory here fails now, not after the seeds are read or a model loads
        check_output_file(path)
    if isinstance(seeds, (str, Path)):
        rows = read_seeds(seeds, limit)
        source = str(seeds)
    else:
        rows = list(enumerate(seeds, start=1))[:limit]
        source = "<seeds>"
    options: dict[str, Any] = {}
    strategy_key = negative
    if negative == "encoder":
        options = {"encoder": encoder, "model": encoder_model}
        strategy_key = f"encoder:{encoder.model_name if encoder is not None else encoder_model}"
    choose = make_negative_chooser(negative, **options)
    client = llm if isinstance(llm, JsonLLM) else JsonLLM(llm)
    model = client.config.model
    summary = RunSummary(out=Path(out), failures=failures, model=model)
    settings = {
        "prompt": PROMPT_VERSION,
        "checks": CHECKS_VERSION,
        "model": model,
        "negative": strategy_key,
        "verify": verify,
        "styles": list(style_names),
        "style_prompt": STYLE_PROMPT_VERSION if style_names else None,
    }
    if not write_instructions:
        settings["write_instructions"] = False

    def jobs():  # noqa: ANN202 - generator
        for line, seed in rows:
            ch = content_hash(seed.model_dump(mode="json"))
            yield Job(content_hash({"seed": ch, **settings}), line, (seed, ch), label=f"{source}:{line}")

    def work(payload: tuple[SeedTuple, str]) -> Outcome:
        seed, ch = payload
        outcome = reverse_polarity(client, seed, choose, verify, style_names, write_instructions)
        if outcome.row is not None:
            outcome.row["content_hash"] = ch
        return outcome

    return summary.run(
        client,
        client is not llm,
        jobs(),
        work,
        key_field="synth_key",
        total=len(rows),
        concurrency=concurrency,
        description="synth",
        progress=progress,
    )
