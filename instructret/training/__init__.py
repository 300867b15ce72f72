"""Dual-view training: the dataset builder, the batch sampler that keeps both views together, the trainer.

The names load on first use (PEP 562), so ``instructret.training.config`` imports without torch: the CLI
reads :class:`TrainConfig` to build its options on every start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructret.training.config import TrainConfig, TrainingInterrupted, TrainResult
    from instructret.training.dataset import ORIGINAL_STYLE, DataStats, TrainingSet, build_training_set
    from instructret.training.resume import is_main_process
    from instructret.training.sampler import BatchLayout, DualViewBatchSampler
    from instructret.training.trainer import DualViewTrainer, train_dual_view

_MODULE_OF = {
    "ORIGINAL_STYLE": "dataset",
    "BatchLayout": "sampler",
    "DataStats": "dataset",
    "DualViewBatchSampler": "sampler",
    "DualViewTrainer": "trainer",
    "TrainConfig": "config",
    "TrainResult": "config",
    "TrainingInterrupted": "config",
    "TrainingSet": "dataset",
    "build_training_set": "dataset",
    "is_main_process": "resume",
    "train_dual_view": "trainer",
}

__all__ = [
    "ORIGINAL_STYLE",
    "BatchLayout",
    "DataStats",
    "DualViewBatchSampler",
    "DualViewTrainer",
    "TrainConfig",
    "TrainResult",
    "TrainingInterrupted",
    "TrainingSet",
    "build_training_set",
    "is_main_process",
    "train_dual_view",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
