"""`DualViewBatchSampler`: both views of a pair in one batch, and no document twice in a batch.

With MultipleNegativesRankingLoss every document in a batch is a candidate for every query. Putting the
two views of a pair side by side makes each view's document the other view's hard negative, which is the
point of dual-view training. A document that appears twice in a batch by accident (a general pair whose
positive is also a dual-view document, or two pairs that share a document) would be a false negative, so
the sampler keeps such rows apart.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

logger = logging.getLogger(__name__)

#: One view of a unit: the dataset rows that can stand for it (one per instruction style).
View = tuple[int, ...]
#: Rows that must share a batch: the two views of a dual-view pair, or a single row.
Unit = tuple[View, ...]


@dataclass
class BatchLayout:
    """How the rows of a training dataset group into units, and which documents each row holds.

    Args:
        units: Units used in every epoch (dual-view pairs, or original views).
        pool: Units of which ``pool_per_epoch`` are drawn afresh each epoch (general pairs).
        pool_per_epoch: How many pool units each epoch uses.
        row_docs: For every dataset row, integer ids of the document texts it holds (positive and any
            explicit negative). Equal texts have equal ids.
    """

    units: Sequence[Unit]
    pool: Sequence[Unit] = ()
    pool_per_epoch: int = 0
    row_docs: Sequence[tuple[int, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0 <= self.pool_per_epoch <= len(self.pool):
            raise ValueError(f"pool_per_epoch={self.pool_per_epoch} but the pool has {len(self.pool)} units")

    @property
    def rows_per_epoch(self) -> int:
        """Rows one epoch trains on: one per view of every unit used."""
        return sum(len(u) for u in self.units) + sum(len(u) for u in self.pool[:1]) * self.pool_per_epoch

    @property
    def max_unit_size(self) -> int:
        """The most rows any unit puts into a batch."""
        return max((len(u) for u in [*self.units, *self.pool[:1]]), default=1)


class DualViewBatchSampler(DefaultBatchSampler):
    """Batches whole units, shuffled per epoch, with no document text twice in a batch.

    Each epoch (seeded by ``seed + epoch``, so a resumed run sees the same batches): draw the pool units
    for this epoch, shuffle all units, pick one style row per view, then fill batches greedily, deferring a
    unit that would repeat a document already in the batch or does not fit. Every epoch yields exactly
    ``len(self)`` batches, which the trainer's step counting and resuming rely on; in the rare case where
    deferrals spill past that count, the spilled rows sit out this epoch (logged).

    Args:
        dataset: The training dataset (only its length is used).
        batch_size: Rows per batch; at least the largest unit (2 for dual views).
        drop_last: Drop the last incomplete batch.
        valid_label_columns: Unused (kept for the sentence-transformers sampler signature).
        generator: Unused: the sampler seeds its own generator from ``seed`` and the epoch.
        seed: Base seed.
        layout: The unit structure and document ids of the dataset rows.
    """

    def __init__(
        self,
        dataset: Sequence[object],
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
        *,
        layout: BatchLayout,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        if batch_size < layout.max_unit_size:
            raise ValueError(
                f"batch size {batch_size} cannot hold both views of a pair; use at least {layout.max_unit_size}"
            )
        if len(layout.row_docs) != len(dataset):
            raise ValueError(f"layout describes {len(layout.row_docs)} rows but the dataset has {len(dataset)}")
        self.layout = layout
        self.seed = seed
        self.dropped_rows = 0

    def __len__(self) -> int:
        rows = self.layout.rows_per_epoch
        return rows // self.batch_size if self.drop_last else math.ceil(rows / self.batch_size)

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """All batches of one epoch, in order (deterministic for a given seed and epoch)."""
        rng = np.random.default_rng([self.seed, epoch])
        lay = self.layout
        units = list(lay.units)
        if lay.pool_per_epoch:
            units += [lay.pool[i] for i in rng.choice(len(lay.pool), lay.pool_per_epoch, replace=False)]
        order = rng.permutation(len(units))
        pending: deque[tuple[list[int], set[int]]] = deque()
        for ui in order:
            rows = [view[int(rng.integers(len(view)))] if len(view) > 1 else view[0] for view in units[ui]]
            pending.append((rows, {d for r in rows for d in lay.row_docs[r]}))

        batches: list[list[int]] = []
        while pending:
            batch: list[int] = []
            docs: set[int] = set()
            deferred: list[tuple[list[int], set[int]]] = []
            while pending and len(batch) < self.batch_size:
                rows, unit_docs = pending.popleft()
                if len(rows) <= self.batch_size - len(batch) and docs.isdisjoint(unit_docs):
                    batch.extend(rows)
                    docs |= unit_docs
                else:
                    deferred.append((rows, unit_docs))
            pending.extendleft(reversed(deferred))
            batches.append(batch)

        spilled = batches[len(self) :]
        self.dropped_rows = sum(len(b) for b in spilled)
        if self.dropped_rows:
            logger.info(
                "epoch %d: %d rows sit out this epoch (they share documents with too many others to batch)",
                epoch,
                self.dropped_rows,
            )
        return batches[: len(self)]

    def __iter__(self) -> Iterator[list[int]]:
        yield from self.epoch_batches(self.epoch)
