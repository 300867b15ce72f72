"""`EncoderSpec`: everything that decides a query or document vector, in one frozen dataclass.

The spec is the one description of an encoder that every path shares: it keys the per-process encoder cache,
it is the Chroma embedding function's persisted config, the integrations and :class:`~instructret.index.
InstructIndex` take it, and the CLI's encoder options of ``index``, ``search`` and ``bench`` are its fields.
A new setting is a new field here and nowhere else.

Code that builds a spec from loose values calls :func:`make_spec` or :func:`spec_from_config`, which look the
class up when they run, so a field added to :class:`EncoderSpec` (or a test that swaps in a subclass with an
extra field) reaches every path.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from typing import Any, Literal

from instructret.errors import InstructretError

#: The model used when none is named: the packaged all-MiniLM-L6-v2, which works offline.
DEFAULT_MODEL = "minilm"


@dataclasses.dataclass(frozen=True)
class EncoderSpec:
    """What decides a query or document vector.

    Fields left at None are taken from the model's own ``instructret.json`` (see
    :class:`~instructret.query_config.QueryConfig`), else from the library's defaults.

    Attributes:
        model: Alias (minilm), local sentence-transformers directory, or hub id.
        device: Device (cuda, mps, cpu); default: the best available.
        backend: Inference backend: torch, or onnx / openvino (CPU; the model is exported once and the export
            saved, next to a trained model's weights or in the user cache).
        quantize: int8: run an int8-quantized export (onnx or openvino backend).
        template: Query template with {query} and {instruction}; default: the model's own, else
            '{query} {instruction}'.
        parser: How an instruction is split into wanted and excluded clauses: rules (English rules, no
            model), llm (an OpenAI-compatible LLM), none (the whole instruction is wanted); default: the
            model's own, else rules.
        exclusion_weight: How far excluded clauses push the query vector away (0 to 2; 0 queries with the whole
            instruction as today); default: the model's own, else the library default.
    """

    model: str = DEFAULT_MODEL
    device: str | None = None
    backend: Literal["torch", "onnx", "openvino"] = "torch"
    quantize: Literal["int8"] | None = None
    template: str | None = None
    parser: Literal["rules", "llm", "none"] | None = None
    exclusion_weight: float | None = None

    def __post_init__(self) -> None:
        check_exclusion_weight(self.exclusion_weight)

    def to_config(self) -> dict[str, Any]:
        """JSON-ready field values (Chroma's persisted config, results.json)."""
        return dataclasses.asdict(self)


def spec_class() -> type[EncoderSpec]:
    """The spec class in force (looked up at call time, so a subclass swapped in for a test is seen)."""
    return sys.modules[__name__].EncoderSpec


def spec_fields() -> tuple[str, ...]:
    """Names of the spec's fields."""
    return tuple(f.name for f in dataclasses.fields(spec_class()))


def make_spec(spec: EncoderSpec | str | None = None, **overrides: Any) -> EncoderSpec:
    """A spec from an existing one (or the defaults; a string names the model) with ``overrides`` applied.

    Overrides whose value is None are ignored when ``spec`` is given, so optional arguments can be passed
    through unconditionally.

    Raises:
        TypeError: An override names no field of the spec.
    """
    if isinstance(spec, str):
        spec, overrides = None, {"model": spec, **overrides}
    unknown = set(overrides) - set(spec_fields())
    if unknown:
        raise TypeError(f"EncoderSpec has no field(s) {', '.join(sorted(unknown))}")
    if spec is None:
        return spec_class()(**{k: v for k, v in overrides.items() if v is not None})
    return dataclasses.replace(spec, **{k: v for k, v in overrides.items() if v is not None})


def split_spec_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove the spec's fields from ``kwargs`` (in place) and return them."""
    return {name: kwargs.pop(name) for name in spec_fields() if name in kwargs}


def spec_from_config(config: Mapping[str, Any]) -> EncoderSpec:
    """Rebuild a spec from :meth:`EncoderSpec.to_config` output; unknown keys are ignored, missing ones default.

    Older Chroma configs (before the spec) carry a subset of the same keys, so they read back unchanged.
    """
    fields = spec_fields()
    return make_spec(**{k: v for k, v in config.items() if k in fields and v is not None})


#: The instruction parser used when neither the caller nor the model names one.
DEFAULT_PARSER = "rules"

#: The exclusion weight used when neither the caller nor the model names one (chosen by benchmarks/split.py
#: on the dev set and the facet-built set, for MiniLM and mpnet).
DEFAULT_EXCLUSION_WEIGHT = 0.5

#: The range an exclusion weight must lie in.
EXCLUSION_WEIGHT_RANGE = (0.0, 2.0)


def check_exclusion_weight(weight: float | None) -> float | None:
    """Return ``weight`` as a float if it lies in [0, 2] (None stays None).

    Raises:
        InstructretError: Out of range, or not a number.
    """
    if weight is None:
        return None
    low, high = EXCLUSION_WEIGHT_RANGE
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not low <= float(weight) <= high:
        raise InstructretError(f"exclusion weight must be in [{low:g}, {high:g}], got {weight!r}")
    return float(weight)
