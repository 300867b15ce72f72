"""cli/options.py: typer options from a settings dataclass, and the command gets only what the user gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
import typer
from typer.testing import CliRunner

from instructret.cli.common import user_errors
from instructret.cli.options import DataclassOptions, with_options

runner = CliRunner()


@dataclass
class Settings:
    """Toy settings.

    Attributes:
        target: Where results go; see ``depth``.
        depth: How deep to look.
        rate: A :class:`~instructret.training.TrainConfig`-style ``rate``.
        mode: Which way to run.
        tags: Labels to keep.
        strict: Fail on the first problem.
        note: Optional note.
        root: A directory.
    """

    target: Path
    depth: int = 3
    rate: float | None = None
    mode: Literal["fast", "slow"] = "fast"
    tags: tuple[str, ...] | None = None
    strict: bool = False
    note: str = field(default="", metadata={"help": "Overrides the docstring."})
    root: Path = Path(".")


def _app(**kwargs: Any) -> tuple[typer.Typer, list]:
    app = typer.Typer()
    calls: list = []

    @app.command()
    @user_errors
    @with_options(given=DataclassOptions(Settings, **kwargs))
    def run(name: str, given: dict[str, Any], loud: bool = False) -> None:
        calls.append((name, given, loud, Settings(**{"target": Path("t"), **given})))

    return app, calls


def test_only_given_values_reach_the_command_and_the_dataclass_fills_the_rest():
    app, calls = _app(names={"target": ("--target", "-t")})
    r = runner.invoke(app, ["x", "-t", "out", "--depth", "3", "--mode", "slow", "--tags", "a, b,a", "--loud"])
    assert r.exit_code == 0, r.output
    name, given, loud, settings = calls[0]
    # --depth 3 equals the default but was typed, so it counts as given
    assert (name, loud) == ("x", True)
    assert given == {"target": Path("out"), "depth": 3, "mode": "slow", "tags": ("a", "b")}
    assert settings.rate is None and settings.strict is False and settings.root == Path(".")
    assert type(given["mode"]) is str  # the choice reaches the dataclass as its Literal value


def test_help_comes_from_the_docstring_with_fields_named_by_their_flags():
    app, _ = _app(notes={"depth": "Extra note."}, panel="Toy")
    r = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    said = " ".join(r.output.replace("│", " ").split())
    assert "Where results go; see --depth. [required]" in said
    assert "How deep to look. Extra note. [default: 3]" in said
    assert "A TrainConfig-style --rate." in said  # roles and backticks are dropped
    assert "fast|slow" in said and "Labels to keep. Comma-separated." in said
    assert "--strict --no-strict" in said and "Overrides the docstring." in said and "Toy" in said


def test_user_mistakes_are_usage_errors_or_one_line_errors():
    app, calls = _app()
    r = runner.invoke(app, ["x", "--target", "o", "--mode", "medium"])
    assert r.exit_code == 2 and "medium" in r.output  # not a choice
    r = runner.invoke(app, ["x"])
    assert r.exit_code == 2 and "--target" in r.output  # required
    r = runner.invoke(app, ["x", "--target", "o", "--tags", " , "])
    assert r.exit_code == 2 and "error: --tags needs at least one value" in r.output and not calls


def test_bad_declarations_fail_when_the_options_are_built():
    @dataclass
    class Odd:
        """Odd.

        Attributes:
            mapping: Not an option type.
        """

        mapping: dict[str, int] = field(default_factory=dict)

    with pytest.raises(TypeError, match=r"Odd.mapping: no command-line form"):
        DataclassOptions(Odd)
    assert DataclassOptions(Odd, exclude=("mapping",)).fields == {}
    with pytest.raises(ValueError, match="has no field"):
        DataclassOptions(Settings, names={"colour": "--colour"})
    with pytest.raises(ValueError, match="declared twice"):
        with_options(given=DataclassOptions(Settings))(lambda depth, given: None)
