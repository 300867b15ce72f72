"""Dual-view training: the dataset builder, the batch sampler that keeps both views together, the trainer."""

from instructret.training.config import TrainConfig, TrainingInterrupted, TrainResult
from instructret.training.dataset import ORIGINAL_STYLE, DataStats, TrainingSet, build_training_set
from instructret.training.sampler import BatchLayout, DualViewBatchSampler
from instructret.training.trainer import DualViewTrainer, is_main_process, train_dual_view

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
