"""Facet vocabularies: which metadata values define a topic, which separate documents, and how to say them.

A vocabulary maps the facet tags a corpus carries (``"interface::commandline"``, ``"brand::Sony"``) onto
*families* of *values*. Every family has a role:

- ``topic``: a value names what documents are about (``game::puzzle`` -> the query "puzzle game"). Two
  documents with the same topic value are both on topic for that query.
- ``contrast``: a value separates documents on one topic (``interface``: command line, graphical, ...). Two
  on-topic documents with different values of one contrast family are a dual-view pair: "only command-line
  programs" makes one relevant, "only graphical programs" the other.

A value can gather several raw tags (``graphical`` <- ``interface::x11``, ``interface::graphical``), and
carries the words instructions are built from: a plural noun phrase (``phrase``: "command-line programs"),
a verb phrase (``requirement``: "is used from the command line"), and for topics the search-box ``query``.

The file format is JSON (see :func:`load_vocabulary` and the packaged ``data/debtags.json``, which
:mod:`instructret.facets.debtags` builds from Debian's debtags vocabulary).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from instructret.data.jsonl import validation_to_input_error
from instructret.errors import InputError, InstructretError

Role = Literal["topic", "contrast"]

#: Vocabularies that ship with the package, by name.
PACKAGED = {"debtags": "debtags.json"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FacetValue(_Model):
    """One value of a facet family.

    Attributes:
        tags: The raw tags that mean this value (``family::value`` strings as documents carry them).
        label: A short display label ("Command Line").
        description: A longer description (from the source vocabulary), for people reading the file.
        phrase: Plural noun phrase for instructions ("command-line programs").
        requirement: Verb phrase a relevant document satisfies ("is used from the command line").
        query: For topic values, the search-box query ("puzzle game").
        evidence: Optional regular expression (case-insensitive) the document text must match for the value to
            count: a tag the text gives no sign of cannot be learned from the text nor judged by reading it
            (a package description rarely says it is written in Perl unless it is a Perl module).
    """

    tags: list[str] = Field(min_length=1)
    label: str = Field(min_length=1)
    description: str = ""
    phrase: str = Field(min_length=1)
    requirement: str = Field(min_length=1)
    query: str | None = None
    evidence: str | None = None

    @field_validator("evidence")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return v

    @cached_property
    def _evidence_re(self) -> re.Pattern[str] | None:
        return re.compile(self.evidence, re.IGNORECASE) if self.evidence else None

    def evident_in(self, text: str) -> bool:
        """Whether ``text`` shows this value (always true for a value without an ``evidence`` pattern)."""
        pattern = self._evidence_re
        return pattern is None or pattern.search(text) is not None


class FacetFamily(_Model):
    """A family of values and its role (``topic`` or ``contrast``)."""

    role: Role
    label: str = Field(min_length=1)
    values: dict[str, FacetValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _topic_queries(self) -> FacetFamily:
        if self.role == "topic":
            missing = [name for name, v in self.values.items() if not v.query]
            if missing:
                raise ValueError(f"topic values need a 'query': {', '.join(missing[:5])}")
        return self


class FacetVocabulary(_Model):
    """A whole vocabulary: families by name, and which document fields carry the tags.

    Attributes:
        name: Name of the vocabulary (written into every pair's provenance).
        source: Where it was built from.
        fields: Document fields that carry facets. A string field holds comma-separated ``family::value`` tags
            (a plain string without ``::`` becomes ``field::value``); a list holds one tag per item; a mapping
            (``{"brand": "Sony"}``) gives ``key::value`` tags.
        families: Family name -> family.
    """

    name: str = Field(min_length=1)
    source: str = ""
    fields: list[str] = Field(default_factory=lambda: ["tags"], min_length=1)
    families: dict[str, FacetFamily] = Field(min_length=1)

    @model_validator(mode="after")
    def _tags_unique(self) -> FacetVocabulary:
        owner: dict[tuple[str, str], str] = {}
        for fname, fam in self.families.items():
            for vname, value in fam.values.items():
                for tag in value.tags:
                    # A tag may be a topic in one family and a contrast in another, but one family must not
                    # map it to two values.
                    if (fname, tag) in owner:
                        raise ValueError(f"family '{fname}': tag '{tag}' maps to both "
                                         f"'{owner[fname, tag]}' and '{vname}'")
                    owner[fname, tag] = vname
        if not any(f.role == "contrast" for f in self.families.values()):
            raise ValueError("no family has role 'contrast': nothing separates documents")
        if not any(f.role == "topic" for f in self.families.values()):
            raise ValueError("no family has role 'topic': nothing defines a query")
        return self

    def families_with(self, role: Role) -> list[str]:
        """Names of the families with this role, in file order."""
        return [name for name, fam in self.families.items() if fam.role == role]

    @cached_property
    def _tag_index(self) -> dict[str, list[tuple[str, str]]]:
        index: dict[str, list[tuple[str, str]]] = {}
        for fname, fam in self.families.items():
            for vname, value in fam.values.items():
                for tag in value.tags:
                    index.setdefault(tag, []).append((fname, vname))
        return index

    def value(self, family: str, value: str) -> FacetValue:
        """One value, by family and value name."""
        return self.families[family].values[value]

    def resolve(self, tags: Iterable[str], text: str | None = None) -> tuple[dict[str, frozenset[str]], list[str]]:
        """Map raw tags onto the vocabulary: family -> the set of its values the tags name.

        Tags the vocabulary does not know are ignored. A family with two or more values is *ambiguous* for
        that document (for example both a command-line and a graphical interface); callers decide what that
        means (pairing skips it). With ``text``, a value whose ``evidence`` the text does not match is dropped.

        Returns:
            The values by family, and the families that lost a value for lack of evidence in the text.
        """
        found: dict[str, set[str]] = {}
        unseen: list[str] = []
        for tag in tags:
            for fname, vname in self._tag_index.get(tag, ()):
                if text is not None and not self.families[fname].values[vname].evident_in(text):
                    unseen.append(fname)
                    continue
                found.setdefault(fname, set()).add(vname)
        return {f: frozenset(v) for f, v in found.items()}, unseen

    def tags_of(self, row: Mapping[str, Any]) -> list[str]:
        """The raw facet tags of one document row, read from :attr:`fields`."""
        tags: list[str] = []
        for name in self.fields:
            tags.extend(_field_tags(name, row.get(name)))
        return tags


def _field_tags(name: str, value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return [t for k, v in value.items() for t in _field_tags(str(k), v)]
    if isinstance(value, list | tuple):
        return [t for item in value for t in _field_tags(name, item)]
    if isinstance(value, bool | int | float):
        return [f"{name}::{value}"]
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if "::" in value else [value.strip()]
        return [p if "::" in p else f"{name}::{p}" for p in parts if p]
    return []


def load_vocabulary(source: str | Path) -> FacetVocabulary:
    """Load a vocabulary by packaged name (``"debtags"``) or from a JSON file.

    Raises:
        InputError: The file is missing, not JSON, or does not match the format (the field is named).
    """
    if str(source) in PACKAGED:
        ref = resources.files("instructret.facets").joinpath("data", PACKAGED[str(source)])
        path: Path | str = f"packaged vocabulary '{source}'"
        text = ref.read_text(encoding="utf-8")
    else:
        path = Path(source)
        if not path.is_file():
            choices = ", ".join(PACKAGED)
            raise InputError(path, f"file not found (packaged vocabularies: {choices})")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object, got {type(data).__name__}")
    try:
        return FacetVocabulary.model_validate(data)
    except ValidationError as exc:
        raise validation_to_input_error(path, None, exc) from exc


def save_vocabulary(vocabulary: FacetVocabulary, path: str | Path) -> None:
    """Write a vocabulary as indented JSON (atomically)."""
    from instructret.atomic import write_text_atomic

    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InstructretError(f"folder {path.parent} does not exist")
    write_text_atomic(path, json.dumps(vocabulary.model_dump(), indent=1, ensure_ascii=False) + "\n")
