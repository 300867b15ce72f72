"""Typer options built from a settings dataclass, so each default, choice and help text lives in one place.

A settings dataclass of the library (``TrainConfig``, ``LLMConfig``) declares every setting once: its type
and default on the field, its help in the class docstring's ``Attributes:`` section (or in
``field(metadata={"help": ...})``). :class:`DataclassOptions` turns the fields into typer options, and
:func:`with_options` puts them into a command's signature in place of one parameter. The command then gets
a dict of the values the user gave (on the command line or through the environment): the dataclass's own
defaults apply to everything else, so a new field is a new option with no CLI edit.

Field types map to options as follows: ``bool`` is a ``--x/--no-x`` flag; ``int``, ``float``, ``str`` and
``Path`` (each optionally ``| None``) are taken as they are; a ``Literal[...]`` is a choice; ``tuple[str, ...]``
and ``list[str]`` are a comma-separated list. Any other type raises ``TypeError`` when the options are built,
naming the field, so a field of a new kind fails at once rather than silently.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from instructret.errors import InstructretError

_SCALARS = (int, float, str, Path)
_CONTEXT = "options_context"
_ROLE = re.compile(r":[a-z]+:`~?\.?([^`]+)`")  # :class:`~x.TrainConfig` -> TrainConfig


_LITERAL = re.compile(r"``([^`]+)``")


def _plain(text: str, flags: Mapping[str, str]) -> str:
    """Docstring prose as terminal help: a ``field`` named by its flag, roles and backticks dropped."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = _LITERAL.sub(lambda m: flags.get(m.group(1), m.group(1)), text)
    return " ".join(text.split())


def docstring_attributes(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of a Google-style class docstring: field name -> description."""
    from griffe import Docstring

    sections = Docstring(inspect.getdoc(cls) or "").parse("google")
    return {a.name: a.description for s in sections if s.kind.value == "attributes" for a in s.value}


def _as_tuple(decls: str | Sequence[str]) -> tuple[str, ...]:
    return (decls,) if isinstance(decls, str) else tuple(decls)


def _flag(name: str, decls: Sequence[str]) -> str:
    return next((d.split("/")[0] for d in decls if d.startswith("--")), "--" + name.replace("_", "-"))


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None``, else ``(annotation, False)``."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return annotation, False


def _comma_list(flag: str, kind: type) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        items = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        if not items:
            raise InstructretError(f"{flag} needs at least one value, e.g. {flag} a,b")
        return kind(items)

    return convert


@dataclasses.dataclass
class _Field:
    name: str
    parameter: inspect.Parameter
    default: Any
    convert: Callable[[Any], Any]


class DataclassOptions:
    """The typer options of a settings dataclass's fields.

    Args:
        cls: The dataclass.
        exclude: Fields that get no option (the command takes them another way).
        names: Option names of a field instead of ``--field-name``, e.g. ``{"model": ("--model", "-m")}``;
            a bool flag's name may carry its negation (``"--progress/--no-progress"``).
        notes: Text appended to a field's help.
        optional: Fields without a default whose option may be left out (the command or library decides).
        panel: Heading the options are listed under in ``--help``.

    Raises:
        TypeError: A field's type has no option form (see the module docstring).
    """

    def __init__(
        self,
        cls: type,
        *,
        exclude: Collection[str] = (),
        names: Mapping[str, str | Sequence[str]] | None = None,
        notes: Mapping[str, str] | None = None,
        optional: Collection[str] = (),
        panel: str | None = None,
    ):
        self.cls = cls
        hints = typing.get_type_hints(cls)
        helps = docstring_attributes(cls)
        names, notes = dict(names or {}), dict(notes or {})
        unknown = (set(exclude) | set(names) | set(notes) | set(optional)) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
        chosen = [f for f in dataclasses.fields(cls) if f.name not in exclude and f.init]
        decls = {f.name: _as_tuple(names.get(f.name, ())) for f in chosen}
        flags = {name: _flag(name, d) for name, d in decls.items()}
        self.fields: dict[str, _Field] = {}
        for f in chosen:
            text = _plain(f.metadata.get("help") or helps.get(f.name, ""), flags)
            help_text = " ".join(t for t in (text, notes.get(f.name)) if t)
            self.fields[f.name] = self._field(f, hints[f.name], decls[f.name], flags[f.name], help_text,
                                              f.name in optional, panel)

    def _field(
        self, f: dataclasses.Field, annotation: Any, decls: tuple[str, ...], flag: str, help_text: str,
        optional: bool, panel: str | None,
    ) -> _Field:
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = None if optional else ...
        inner, nullable = _optional(annotation)
        convert: Callable[[Any], Any] = lambda value: value  # noqa: E731
        if inner is bool and not nullable:
            cli_type: Any = bool
        elif inner in _SCALARS:
            cli_type = inner
        elif typing.get_origin(inner) is typing.Literal:
            # an Enum, which every typer version shows and checks as a choice
            choices = [str(v) for v in typing.get_args(inner)]
            cli_type = enum.StrEnum(f"{self.cls.__name__}_{f.name}", {c: c for c in choices})
            default = cli_type(default) if default not in (None, ...) else default
            convert = lambda value: str(value.value)  # noqa: E731
        elif typing.get_origin(inner) in (tuple, list) and typing.get_args(inner) in ((str, ...), (str,)):
            cli_type, convert = str, _comma_list(flag, typing.get_origin(inner))
            help_text += " Comma-separated."
            if isinstance(default, tuple | list):
                default = ",".join(default)
        else:
            raise TypeError(f"{self.cls.__name__}.{f.name}: no command-line form for {annotation!r}; "
                            "exclude the field or give the command an option of its own")
        if nullable or default is None:
            cli_type = cli_type | None
        option = typer.Option(*decls, help=help_text, rich_help_panel=panel)
        parameter = inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[cli_type, option]
        )
        return _Field(f.name, parameter, default, convert)

    @property
    def parameters(self) -> list[inspect.Parameter]:
        """One keyword-only parameter per option, in field order."""
        return [f.parameter for f in self.fields.values()]

    def given(self, values: Mapping[str, Any], ctx: typer.Context | None = None) -> dict[str, Any]:
        """The fields the user set, converted to the dataclass's types.

        Args:
            values: Every option's value, as typer parsed it.
            ctx: The running command's context; it tells a given value from a default. Without one, a value
                counts as given when it differs from the default.
        """
        out: dict[str, Any] = {}
        for name, value in values.items():
            field = self.fields[name]
            if ctx is not None:
                source = ctx.get_parameter_source(name)
                given = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
            else:
                given = value != field.default
            if given:
                out[name] = None if value is None else field.convert(value)
        return out


def with_options(**groups: DataclassOptions) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Replace each parameter named like a group with that group's options.

    The decorated command receives, under the group's parameter name, a dict of the options the user gave
    (see :meth:`DataclassOptions.given`). Put it below ``@user_errors`` so conversion errors are one line.

    Example:
        >>> @with_options(settings=DataclassOptions(TrainConfig, exclude=("pairs",)))  # doctest: +SKIP
        ... def train(pairs: list[Path], settings: dict[str, Any]) -> None:
        ...     config = TrainConfig(pairs=pairs, **settings)
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(func, eval_str=True)
        # typer hands the running context to a parameter annotated typer.Context
        params = [inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
        for p in signature.parameters.values():
            params.extend(groups[p.name].parameters if p.name in groups else [p.replace(kind=p.KEYWORD_ONLY)])
        clash = sorted({p.name for p in params if [q.name for q in params].count(p.name) > 1})
        if clash:
            raise ValueError(f"{func.__name__}: option(s) {', '.join(clash)} declared twice")

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            ctx = kwargs.pop(_CONTEXT, None)
            for name, group in groups.items():
                kwargs[name] = group.given({f: kwargs.pop(f) for f in group.fields}, ctx)
            return func(**kwargs)

        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": signature.return_annotation}
        return command

    return decorate
