"""Typed records for every data format instructret reads and writes; each class below is one JSONL row format.

Extra keys in input rows are kept (``extra="allow"``) so provenance survives a round trip.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)


class Document(_Record):
    """A document with an id and its text.

    For documents with a title, the text is ``title + " " + text``, as mteb encodes them.
    """

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class CorpusEntry(_Record):
    """One line of an ``instructret index`` input file."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    title: str | None = None
    metadata: dict[str, str | int | float | bool] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @property
    def full_text(self) -> str:
        """``title + " " + text`` when there is a title, as mteb builds document text."""
        return f"{self.title} {self.text}" if self.title else self.text


class SeedTuple(_Record):
    """Synthesis input: a query, an optional instruction, a positive and hard negatives.

    The Promptriever hub format (``positive_passages`` / ``negative_passages`` lists of
    ``{docid, title, text}``) is converted on the way in.
    """

    query: str = Field(min_length=1)
    instruction: str | None = None
    positive: Document
    negatives: list[Document] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_promptriever(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "positive" in data or "positive_passages" not in data:
            return data
        data = dict(data)

        def conv(p: Any, i: int, kind: str) -> Any:
            if not isinstance(p, dict):
                return p  # left for field validation to report (e.g. "negatives.0: ... dictionary")
            title = p.get("title")
            title = title.strip() if isinstance(title, str) else ""
            text = p.get("text", "")
            pid = p.get("docid") or p.get("id") or f"{kind}-{i}"
            if not isinstance(text, str):
                return {"id": pid, "text": text}  # a wrong type, reported by field validation
            return {"id": str(pid), "text": f"{title} {text}".strip() if title else text}

        pos = data.pop("positive_passages") or []
        neg = data.pop("negative_passages", None) or []
        if not isinstance(pos, list) or not isinstance(neg, list):
            bad = "positive_passages" if not isinstance(pos, list) else "negative_passages"
            raise ValueError(f"{bad} must be a list of {{docid, title, text}} objects")
        if pos:
            data["positive"] = conv(pos[0], 0, "pos")
        data["negatives"] = [conv(p, i, "neg") for i, p in enumerate(neg)]
        return data


class DualViewPair(_Record):
    """Synthesis output and training input: one document pair seen under two instructions.

    View A is (``instruction`` → ``positive``); view B is (``instruction_reversed`` → ``negative``).
    """

    query: str = Field(min_length=1)
    instruction: str = Field(min_length=1)
    instruction_reversed: str = Field(min_length=1)
    positive: Document
    negative: Document


class GeneralPair(_Record):
    """Instruction-free retrieval data, mixed into training for topical quality."""

    query: str = Field(min_length=1)
    positive: Document
    negatives: list[Document] | None = None
