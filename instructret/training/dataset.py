"""Turn dual-view pairs (and general pairs) into anchor/positive rows plus the batch layout.

A dual-view pair gives two views: A is (``instruction`` -> ``positive``) and B is (``instruction_reversed``
-> ``negative``). Each view becomes a row whose anchor is the query and instruction joined by the model's
template (:mod:`instructret.formatting`; sentence-transformers prompts are per column, so the per-row
instruction must be in the text) and whose positive is the view's document. With styled instructions
(``styles`` on the row, see :mod:`instructret.synthesis.restyle`) every style variant is a row of its own
and the sampler picks one per view and epoch. General pairs are plain (query -> positive) rows.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from instructret.data.jsonl import iter_json_lines, parse_record
from instructret.data.records import DualViewPair, GeneralPair
from instructret.errors import InputError, InstructretError
from instructret.formatting import InstructionTemplate
from instructret.training.sampler import BatchLayout, Unit

logger = logging.getLogger(__name__)

#: Style name of a row's own top-level ``instruction`` / ``instruction_reversed``.
ORIGINAL_STYLE = "original"

Views = Literal["dual", "original"]

#: Name prefix of the columns that hold a row's excluded texts (``excluded_1`` .. ``excluded_K``, "" past the row's
#: own count), after the document columns.
EXCLUDED_PREFIX = "excluded_"
#: Column with the number of excluded texts of each row (the trainer hands it to the loss as the label).
SPLIT_LABEL = "label"
#: Value of a row's ``kind`` key that marks a general (instruction-free) pair inside a pairs file.
GENERAL_KIND = "general"


@dataclass(frozen=True)
class QueryInput:
    """What search makes of a (query, instruction): the model input of the main vector and the excluded texts.

    The same rule as query encoding: when the split finds no excluded concept, the input is the whole
    instruction in the template (the split changes nothing); otherwise it is the wanted clauses in the template
    (the plain query when nothing is wanted), and the excluded concepts are encoded apart, to be subtracted
    (:func:`instructret.formatting.compose_queries`).

    Attributes:
        template: The query template.
        parser: The instruction parser (``rules``, ``llm``, ``none``), or None for no split at all.
    """

    template: InstructionTemplate
    parser: str | None = None

    @property
    def split(self) -> bool:
        """Whether instructions are split."""
        return self.parser is not None

    def __call__(self, query: str, instruction: str | None) -> tuple[str, tuple[str, ...]]:
        """The main model input and the excluded texts (empty without the split or without exclusions)."""
        if self.parser is None or not (instruction or "").strip():
            return self.template.format(query, instruction), ()
        from instructret.instructions import split_instruction

        parts = split_instruction(instruction, parser=self.parser)
        excluded = tuple(parts.excluded)
        if not excluded:
            return self.template.format(query, instruction), ()
        return self.template.format(query, parts.wanted_text or None), excluded


@dataclass
class DataStats:
    """What went into a training set (for logs and the model card).

    Attributes:
        files: Every input file with its line count and sha256 prefix.
        pairs: Dual-view pairs read.
        rows: Dataset rows (all style variants included).
        units: Units used every epoch (pairs in dual mode; single views in original mode or with
            explicit negatives).
        general_available: General pairs read.
        general_per_epoch: General pairs drawn afresh each epoch.
        rows_per_epoch: Rows one epoch trains on.
        styles: Style name -> number of views that can use it.
        style_fallbacks: Views where no requested style existed, so the original instruction was used.
    """

    files: list[dict[str, Any]] = field(default_factory=list)
    pairs: int = 0
    rows: int = 0
    units: int = 0
    general_available: int = 0
    general_per_epoch: int = 0
    rows_per_epoch: int = 0
    styles: dict[str, int] = field(default_factory=dict)
    style_fallbacks: int = 0


@dataclass
class TrainingSet:
    """Rows for the trainer and the layout the sampler batches them by.

    Attributes:
        columns: Column name -> values (``anchor``, ``positive`` and, with explicit negatives, ``negative``).
        layout: Units, general pool and document ids (see :class:`~instructret.training.sampler.BatchLayout`).
        stats: What went in.
    """

    columns: dict[str, list[str]]
    layout: BatchLayout
    stats: DataStats

    @property
    def excluded_columns(self) -> int:
        """How many ``excluded_<j>`` columns the rows carry (0 unless the instructions were split)."""
        return sum(1 for name in self.columns if name.startswith(EXCLUDED_PREFIX))

    def to_dataset(self):  # noqa: ANN201 - datasets is imported lazily
        """The rows as a ``datasets.Dataset``.

        Columns in loss order: anchor, positive[, negative], then, with the split, ``excluded_1`` ..
        ``excluded_K`` and ``label`` (the number of excluded texts of the row).
        """
        from datasets import Dataset

        return Dataset.from_dict(self.columns)

    def __len__(self) -> int:
        return len(self.columns["anchor"])


def file_info(path: str | Path) -> dict[str, Any]:
    """Path, line count and sha256 prefix of an input file (identifies the data in cards and resumes)."""
    path = Path(path)
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return {"path": str(path.resolve()), "lines": lines, "sha256": digest.hexdigest()[:16]}


def view_styles(
    obj: dict[str, Any], pair: DualViewPair, styles: Sequence[str] | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], tuple[bool, bool]]:
    """The (style, instruction) candidates of views A and B of one row.

    Args:
        obj: The raw row (its ``styles`` mapping holds the styled variants).
        pair: The validated row.
        styles: Style names to use (``"original"`` is the row's own instructions); None for the original only.

    Returns:
        Candidates for view A, candidates for view B, and for each view whether it fell back to the
        original instruction because it had none of the requested styles.
    """
    if not styles:
        return [(ORIGINAL_STYLE, pair.instruction)], [(ORIGINAL_STYLE, pair.instruction_reversed)], (False, False)
    styled = obj.get("styles") or {}
    views: list[list[tuple[str, str]]] = [[], []]
    for name in styles:
        if name == ORIGINAL_STYLE:
            variant: Any = {"instruction": pair.instruction, "instruction_reversed": pair.instruction_reversed}
        else:
            variant = styled.get(name)
        if not isinstance(variant, dict):
            continue
        for i, key in enumerate(("instruction", "instruction_reversed")):
            text = variant.get(key)
            if isinstance(text, str) and text.strip():
                views[i].append((name, text))
    fell_back = (not views[0], not views[1])
    for i, own in enumerate((pair.instruction, pair.instruction_reversed)):
        if not views[i]:
            views[i].append((ORIGINAL_STYLE, own))
    return views[0], views[1], fell_back


class _Rows:
    """Column builder that numbers distinct document texts as it goes."""

    def __init__(self, explicit_negatives: bool, query_input: QueryInput):
        self.columns: dict[str, list[Any]] = {"anchor": [], "positive": []}
        if explicit_negatives:
            self.columns["negative"] = []
        self.row_docs: list[tuple[int, ...]] = []
        self.doc_ids: dict[str, int] = {}
        self.query_input = query_input
        self.excluded: list[tuple[str, ...]] = []

    def add(self, query: str, instruction: str | None, positive: str, negative: str | None = None) -> int:
        """Add a row whose anchor is what search makes of ``query`` and ``instruction``; returns its index."""
        anchor, excluded = self.query_input(query, instruction)
        self.columns["anchor"].append(anchor)
        self.excluded.append(excluded)
        self.columns["positive"].append(positive)
        docs = [positive]
        if "negative" in self.columns:
            if negative is None:
                raise ValueError("explicit negatives need a negative for every row")
            self.columns["negative"].append(negative)
            docs.append(negative)
        self.row_docs.append(tuple(self.doc_ids.setdefault(d, len(self.doc_ids)) for d in docs))
        return len(self.row_docs) - 1

    def finish(self) -> dict[str, list[Any]]:
        """The columns, with the excluded texts padded to the longest row's count when the split is on."""
        if self.query_input.split:
            width = max((len(e) for e in self.excluded), default=0)
            for j in range(width):
                self.columns[f"{EXCLUDED_PREFIX}{j + 1}"] = [e[j] if j < len(e) else "" for e in self.excluded]
            self.columns[SPLIT_LABEL] = [len(e) for e in self.excluded]
        return self.columns


def build_training_set(
    pairs: str | Path | Sequence[str | Path],
    template: InstructionTemplate,
    views: Views = "dual",
    general: str | Path | None = None,
    general_ratio: float = 3.0,
    explicit_negatives: bool = False,
    styles: Sequence[str] | None = None,
    seed: int = 0,
    split: bool = False,
    parser: str = "rules",
) -> TrainingSet:
    """Read dual-view (and general) pairs into training rows and their batch layout.

    Args:
        pairs: One or more dual-view pair files (JSONL rows of :class:`~instructret.data.DualViewPair`); may be empty
            when ``general`` is given, to train on general pairs only (all of them every epoch).
        template: How query and instruction become the anchor text.
        views: ``"dual"`` trains on both views of every pair (each view's document is the other's in-batch
            negative); ``"original"`` only on view A (the instruction-only baseline).
        general: Optional general pairs file (``{"query", "positive", "negatives"?}``), for topical quality.
        general_ratio: General pairs per dual-view pair, drawn afresh each epoch (capped at what the file has).
        explicit_negatives: Add a ``negative`` column: the other view's document (for general rows, their
            first negative, else another general row's positive). The two views of a pair then hold the same
            two documents, so the sampler puts them in different batches.
        styles: Instruction styles to draw from, one per view and epoch (``"original"`` is the row's own
            instructions); None uses the original instructions only.
        seed: Seed for the random negatives given to general rows without any.
        split: Split every instruction as search does (:class:`QueryInput`): the anchor is the query with the
            wanted clauses, and the excluded texts get columns of their own for the split-aware loss.
        parser: The instruction parser of the split.

    Returns:
        The rows, the layout for :class:`~instructret.training.sampler.DualViewBatchSampler`, and stats.

    Raises:
        InputError: A malformed row (file, line and field named), or a pair whose documents are identical.
        InstructretError: A requested style that no row has, or a bad option.
    """
    if views not in ("dual", "original"):
        raise InstructretError(f"views must be 'dual' or 'original', got {views!r}")
    if general_ratio < 0:
        raise InstructretError(f"general ratio must be >= 0, got {general_ratio}")
    paths = [Path(pairs)] if isinstance(pairs, str | Path) else [Path(p) for p in pairs]
    if not paths and general is None:
        raise InstructretError("no dual-view pairs file given (nor a general file to train on general pairs only)")
    rows = _Rows(explicit_negatives, QueryInput(template, parser if split else None))
    stats = DataStats()
    units: list[Unit] = []
    style_counts: dict[str, int] = {}
    wanted = list(dict.fromkeys(styles)) if styles else None
    inline: list[tuple[Path, int, GeneralPair]] = []

    for path in paths:
        for line, obj in iter_json_lines(path):
            if obj.get("kind") == GENERAL_KIND:  # a general pair written into the same file (facets synth)
                inline.append((path, line, parse_record(GeneralPair, obj, path, line)))
                continue
            pair = parse_record(DualViewPair, obj, path, line)
            if obj.get("styles") is not None and not isinstance(obj["styles"], dict):
                raise InputError(path, "expected an object {style: {instruction, instruction_reversed}}",
                                 line=line, field="styles")
            if pair.positive.text == pair.negative.text:
                raise InputError(path, "positive and negative have the same text", line=line, field="negative.text")
            cands_a, cands_b, fallbacks = view_styles(obj, pair, wanted)
            stats.style_fallbacks += sum(fallbacks if views == "dual" else fallbacks[:1])
            q, pos, neg = pair.query, pair.positive.text, pair.negative.text
            view_a = tuple(rows.add(q, ins, pos, neg) for _, ins in cands_a)
            for name, _ in cands_a:
                style_counts[name] = style_counts.get(name, 0) + 1
            if views == "dual":
                view_b = tuple(rows.add(q, ins, neg, pos) for _, ins in cands_b)
                for name, _ in cands_b:
                    style_counts[name] = style_counts.get(name, 0) + 1
                if explicit_negatives:
                    # Both rows hold the same two documents, so they must not share a batch (in one batch,
                    # each view's positive would also be a false negative of the other row).
                    units += [(view_a,), (view_b,)]
                else:
                    units.append((view_a, view_b))
            else:
                units.append((view_a,))
            stats.pairs += 1
        stats.files.append({"role": "pairs", **file_info(path)})

    if wanted:
        missing = [s for s in wanted if s != ORIGINAL_STYLE and s not in style_counts]
        if missing:
            raise InstructretError(
                f"no row has the style(s) {', '.join(missing)}; styles found: "
                f"{', '.join(sorted(style_counts)) or 'none'} (add them with `instructret restyle`)"
            )
    records = list(inline)
    if general is not None:
        records += [(Path(general), line, parse_record(GeneralPair, obj, general, line))
                    for line, obj in iter_json_lines(general)]
        stats.files.append({"role": "general", **file_info(general)})
    pool = _general_units(rows, records, explicit_negatives, seed) if records else []
    stats.general_available = len(pool)
    # With no dual-view pairs (the general-only baseline of the ablation), every epoch uses the whole pool.
    per_epoch = (min(len(pool), round(general_ratio * stats.pairs)) if stats.pairs else len(pool)) if pool else 0
    if stats.pairs and pool and round(general_ratio * stats.pairs) > per_epoch:
        logger.warning("general ratio %.2f asks for %d general pairs per epoch but %s has %d: using all of them",
                       general_ratio, round(general_ratio * stats.pairs), general or "the pairs file", len(pool))

    layout = BatchLayout(units=units, pool=pool, pool_per_epoch=per_epoch, row_docs=rows.row_docs)
    stats.rows = len(rows.row_docs)
    stats.units = len(units)
    stats.general_per_epoch = per_epoch
    stats.rows_per_epoch = layout.rows_per_epoch
    stats.styles = style_counts
    return TrainingSet(columns=rows.finish(), layout=layout, stats=stats)


def _general_units(
    rows: _Rows, records: list[tuple[Path, int, GeneralPair]], explicit_negatives: bool, seed: int
) -> list[Unit]:
    rng = np.random.default_rng(seed)
    positives = [r.positive.text for _, _, r in records]
    units: list[Unit] = []
    for i, (path, line, rec) in enumerate(records):
        negative = None
        if explicit_negatives:
            if rec.negatives:
                negative = rec.negatives[0].text
            elif len(records) > 1:
                # No hard negative given: a random other general positive still adds one candidate.
                j = int(rng.integers(len(records) - 1))
                negative = positives[j + (j >= i)]
            else:
                raise InputError(path, "explicit negatives need a 'negatives' list or more than one row",
                                 line=line, field="negatives")
        units.append(((rows.add(rec.query, None, rec.positive.text, negative),),))
    return units
