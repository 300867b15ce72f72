"""The project's progress display: one live display with nested bars, and the training progress callback."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

import instructret.progress as progress
from instructret.training.callbacks import TrainingProgress, progress_mode


@pytest.fixture()
def terminal(monkeypatch):
    """A terminal-like console whose output the test can read."""
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=160, color_system=None)
    monkeypatch.setattr(progress, "console", lambda: console)
    return buf


def test_a_bar_opened_inside_another_joins_the_same_display(terminal):
    with progress.progress_task("outer", total=2) as outer:
        outer.update(advance=1)
        with progress.progress_bar("inner", total=3) as advance:  # rich allows one live display: no LiveError
            advance(3)
            assert [t.description for t in progress._live.tasks] == ["outer", "inner"]
        assert [t.description for t in progress._live.tasks] == ["outer"]  # the nested row leaves when done
        outer.update(advance=1, status="done")
    assert progress._live is None
    out = terminal.getvalue()
    assert "outer" in out and "2/2 done" in out  # one display, drawn to the end


def test_a_disabled_bar_draws_nothing(terminal):
    with progress.progress_task("quiet", total=1, disable=True) as task:
        task.update(advance=1, status="x")
    assert terminal.getvalue() == "" and progress._live is None


def _state(step: int) -> SimpleNamespace:
    return SimpleNamespace(is_world_process_zero=True, max_steps=4, global_step=step)


def test_training_progress_is_a_bar_on_a_terminal(terminal):
    assert progress_mode(True) == "bar" and progress_mode(False) == "off"
    cb = TrainingProgress(progress_mode(True))
    cb.on_train_begin(None, _state(0), None)
    for step in range(1, 5):
        cb.on_step_end(None, _state(step), None)
        cb.on_log(None, _state(step), None, logs={"loss": 0.5 / step, "learning_rate": 1e-5, "epoch": 0.5})
    cb.on_log(None, _state(4), None, logs={"eval_dev_p-MRR": 0.1, "eval_dev_MAP@1000": 0.4, "eval_dev_nDCG@5": 0.5})
    status = progress._live.tasks[0].fields["status"]
    assert status == "loss 0.1250 · lr 1e-05 · dev p-MRR +10.00 · MAP@1000 40.00 · nDCG@5 50.00"
    cb.on_train_end(None, _state(4), None)
    assert progress._live is None
    out = terminal.getvalue()
    assert "training" in out and "4/4" in out and "{'" not in out


def test_training_progress_writes_plain_lines_elsewhere(monkeypatch, capsys):
    monkeypatch.setattr(progress, "console", lambda: Console(file=io.StringIO(), force_terminal=False))
    assert progress_mode(True) == "lines"
    lines: list[str] = []
    monkeypatch.setattr("instructret.training.callbacks.say", lines.append)
    cb = TrainingProgress("lines")
    cb.on_train_begin(None, _state(2), None)  # resumed at step 2
    cb.on_log(None, _state(3), None, logs={"loss": "0.25", "grad_norm": "1.0", "learning_rate": "2e-05"})
    cb.on_log(None, _state(4), None, logs={"train_runtime": 3.0, "train_loss": 0.3})  # the caller reports it
    cb.on_train_end(None, _state(4), None)
    assert lines == ["training: 4 steps from step 2", "step 3/4: loss 0.2500 · lr 2e-05", "step 4/4: done"]


def test_training_progress_off_says_nothing(terminal):
    cb = TrainingProgress("off")
    cb.on_train_begin(None, _state(0), None)
    cb.on_log(None, _state(1), None, logs={"loss": 1.0})
    cb.on_train_end(None, _state(1), None)
    assert terminal.getvalue() == ""
