"""Resuming a training run: the settings record a checkpoint carries, and the decision to resume, restart or refuse."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from transformers.trainer_utils import get_last_checkpoint

from instructret.errors import InstructretError
from instructret.training.config import RESUME_KEY_DEFAULTS, RESUME_KEYS, TrainConfig

logger = logging.getLogger(__name__)

#: Subdirectory of the output directory that holds resumable checkpoints.
CHECKPOINTS = "checkpoints"
#: File in the checkpoints directory recording the settings of the run being checkpointed.
RUN_CONFIG = "run_config.json"


def is_main_process() -> bool:
    """Whether this is the main process of a torchrun / accelerate launch (always True in a single process)."""
    return int(os.environ.get("RANK", "0")) == 0


def run_record(config: TrainConfig, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The settings that must match for a resume (RESUME_KEYS), with absolute data paths and their hashes."""
    settings = config.to_dict()
    record = {key: settings[key] for key in RESUME_KEYS}
    record["pairs"] = [str(Path(p).resolve()) for p in config.pairs]
    record["general"] = str(config.general.resolve()) if config.general else None
    record["data"] = [{k: f[k] for k in ("role", "sha256")} for f in files]
    return record


def checkpoint_to_resume(config: TrainConfig, record: dict[str, Any]) -> Path | None:
    """Decide, from the output directory and the flags, whether to resume, start afresh or refuse."""
    out = config.output_dir
    ckpt_dir = out / CHECKPOINTS
    latest = get_last_checkpoint(str(ckpt_dir)) if ckpt_dir.is_dir() else None
    finished = (out / "modules.json").is_file()
    if config.overwrite:
        if ckpt_dir.is_dir() and is_main_process():  # one process deletes
            shutil.rmtree(ckpt_dir, ignore_errors=True)
        return None
    if config.resume:
        if latest is None:
            if finished:
                raise InstructretError(f"{out} holds a finished model and no checkpoint to resume; "
                                       "use --overwrite to train again")
            logger.warning("no checkpoint in %s: starting from step 0", ckpt_dir)
            return None
        saved_path = ckpt_dir / RUN_CONFIG
        saved = json.loads(saved_path.read_text()) if saved_path.is_file() else None
        if saved is not None:  # a run checkpointed before a key existed was made with its old value
            saved = {**RESUME_KEY_DEFAULTS, **saved}
        if saved is not None and saved != record:
            diff = sorted(k for k in {*saved, *record} if saved.get(k) != record.get(k))
            raise InstructretError(
                f"cannot resume {latest}: these settings differ from the checkpointed run: {', '.join(diff)}"
                " (rerun with the original settings, or --overwrite to start over)"
            )
        return Path(latest)
    if latest is not None:
        step = Path(latest).name.split("-")[-1]
        raise InstructretError(f"{out} holds checkpoints of an unfinished run (step {step}): pass --resume to "
                               "continue it or --overwrite to start over")
    if finished:
        raise InstructretError(f"{out} already holds a trained model; pass --overwrite to replace it")
    return None
