"""`InstructEncoder`: a sentence-transformers model that knows how to take an instruction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from instructret.backends import check_backend, file_digest
from instructret.errors import InstructretError
from instructret.formatting import InstructionTemplate, compose_queries, resolve_template
from instructret.instructions import PARSERS, SplitInstruction, get_parser, split_instruction
from instructret.model_loading import (
    MODEL_ALIASES,
    load_exported,
    load_sentence_transformer,
    pick_device,
    resolve_model_path,
)
from instructret.query_config import QueryConfig, read_query_config
from instructret.spec import (
    DEFAULT_EXCLUSION_WEIGHT,
    DEFAULT_MODEL,
    DEFAULT_PARSER,
    EncoderSpec,
    check_exclusion_weight,
    make_spec,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_ALIASES",
    "InstructEncoder",
    "QueryPlan",
    "check_exclusion_weight",
    "check_parser",
    "load_exported",
    "load_sentence_transformer",
    "pick_device",
    "resolve_model_path",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryPlan:
    """How one query becomes model input: the main text, and the excluded concepts pushed away from it.

    Attributes:
        text: The model input of the query with its wanted clauses (the whole instruction when nothing is
            excluded).
        excluded: Excluded concepts, each embedded on its own; empty when nothing is excluded.
        split: How the instruction was read, or None when it was not split (weight 0).
    """

    text: str
    excluded: tuple[str, ...] = ()
    split: SplitInstruction | None = None


Excludes = Sequence[str] | Sequence[Sequence[str] | None] | None


def _per_query_excludes(exclude: Excludes, n: int) -> list[tuple[str, ...]]:
    """One tuple of explicit exclusions per query: a flat list applies to every query."""
    if exclude is None:
        return [()] * n
    if isinstance(exclude, str):
        raise InstructretError("exclude must be a list of texts (or one list per query), not a single string")
    items = list(exclude)
    if items and all(isinstance(e, str) for e in items):
        return [tuple(items)] * n
    if len(items) != n:
        raise InstructretError(f"got {n} queries but {len(items)} exclude lists; pass one list per query, or one "
                               "list of texts for all")
    return [tuple(e or ()) for e in items]


class InstructEncoder:
    """Encode instructed queries and plain documents into one normalized space.

    Queries go through the model's :class:`~instructret.formatting.InstructionTemplate`; documents never
    include an instruction. An instruction is split into what it wants and what it excludes (see
    :mod:`instructret.instructions`): the query vector is ``normalize(E(query + wanted) - w * mean E(excluded))``
    with ``w`` the exclusion weight, so an exclusion pushes documents down instead of pulling them up. Every
    output is an L2-normalized float32 array, so a dot product is the cosine similarity.

    Args:
        model: An :class:`~instructret.spec.EncoderSpec`, or the model (alias ``"minilm"``, local
            sentence-transformers directory, or hub id).
        batch_size: Default encoding batch size.
        max_seq_length: Optionally cap the model's maximum sequence length.
        loaded: An already loaded ``SentenceTransformer`` to wrap instead of loading one (see
            :meth:`from_model`).
        **spec_fields: Fields of :class:`~instructret.spec.EncoderSpec` (``device``, ``template``, ``backend``,
            ``quantize``, ``parser``, ``exclusion_weight`` ...), overriding those of ``model``. The onnx and
            openvino backends export the model once and save the export (see :mod:`instructret.backends`).

    Raises:
        InstructretError: A setting is out of range, or the model cannot be loaded.

    Example:
        >>> enc = InstructEncoder("minilm")
        >>> q = enc.encode_queries(["chess engine"], "UCI protocol only")
        >>> d = enc.encode_documents(["stockfish: strong UCI chess engine"])
        >>> float(enc.similarity(q, d)[0, 0]) > 0.5
        True
    """

    def __init__(
        self,
        model: str | EncoderSpec = DEFAULT_MODEL,
        batch_size: int = 32,
        max_seq_length: int | None = None,
        loaded: SentenceTransformer | None = None,
        **spec_fields: Any,
    ):
        spec = make_spec(model, **spec_fields)
        if spec.template is not None:
            InstructionTemplate(spec.template)  # a bad template fails before the model loads
        check_exclusion_weight(spec.exclusion_weight)
        check_parser(spec.parser)
        self.spec = spec
        #: The exported file the model runs (None for the torch backend).
        self.backend_file: Path | None = None
        if loaded is not None:
            self.model = loaded
            self.backend = loaded.get_backend() if hasattr(loaded, "get_backend") else "torch"
            self.model_path: Path | None = None
        else:
            self.backend = spec.backend
            if check_backend(spec.backend, spec.quantize) is None:
                self.model = load_sentence_transformer(spec.model, device=spec.device)
            else:
                self.model, self.backend_file = load_exported(spec.model, spec.backend, spec.quantize, spec.device)
            self.model_path = resolve_model_path(spec.model)[1]
        saved = read_query_config(self.model_path) or QueryConfig(version=1)
        self.template = resolve_template(self.model_path, spec.template)
        #: The instruction parser in force: the spec's, else the model's saved one, else the default.
        self.parser: str = spec.parser or saved.parser or DEFAULT_PARSER
        #: The exclusion weight in force: the spec's, else the model's saved one, else the default.
        self.exclusion_weight: float = check_exclusion_weight(
            next(w for w in (spec.exclusion_weight, saved.exclusion_weight, DEFAULT_EXCLUSION_WEIGHT) if w is not None)
        )
        self.batch_size = batch_size
        if max_seq_length is not None:
            self.model.max_seq_length = max_seq_length

    @classmethod
    def from_model(
        cls,
        model: SentenceTransformer,
        template: InstructionTemplate | str | None = None,
        name: str = "in-memory",
        batch_size: int = 32,
        **spec_fields: Any,
    ) -> InstructEncoder:
        """Wrap an already loaded `SentenceTransformer` (for example, one being trained)."""
        if isinstance(template, InstructionTemplate):
            template = template.template
        return cls(name, batch_size=batch_size, loaded=model, template=template, **spec_fields)

    @property
    def model_name(self) -> str:
        """The model as named in the spec."""
        return self.spec.model

    @property
    def quantize(self) -> str | None:
        """The quantization of the exported model, if any."""
        return self.spec.quantize if self.backend_file is not None else None

    @property
    def backend_id(self) -> str:
        """What besides the weights decides the embeddings (keys embedding caches).

        ``""`` for torch; else the backend, the quantization and a content hash of the exported file.
        """
        if self.backend == "torch":
            return ""
        digest = file_digest(self.backend_file) if self.backend_file is not None else "unknown"
        return f"{self.backend}|{self.quantize}|{digest}"

    @property
    def device(self) -> str:
        """The torch device the model runs on."""
        return str(self.model.device)

    @property
    def dimension(self) -> int:
        """Length of every embedding."""
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def format_queries(
        self, queries: Sequence[str], instructions: str | Sequence[str | None] | None = None
    ) -> list[str]:
        """Return the exact strings the model sees for these queries (the whole instruction, unsplit)."""
        return self.template.format_batch(list(queries), instructions)

    def split(self, instruction: str | None, exclude: Sequence[str] = ()) -> SplitInstruction:
        """How this encoder reads ``instruction``: its wanted clauses and excluded concepts."""
        return split_instruction(instruction, self._parser(), exclude)

    def _parser(self) -> Any:
        # built once: the llm parser holds a client and a cache
        if not hasattr(self, "_parser_obj"):
            self._parser_obj = get_parser(self.parser)
        return self._parser_obj

    def plan_queries(
        self,
        queries: Sequence[str],
        instructions: str | Sequence[str | None] | None = None,
        exclude: Excludes = None,
    ) -> list[QueryPlan]:
        """How each query becomes model input (what :meth:`encode_queries` embeds and composes).

        A query whose instruction excludes nothing (and that has no explicit ``exclude``) is embedded with its
        whole instruction, exactly as without the split; with weight 0 nothing is split at all.
        """
        queries = list(queries)
        full = self.format_queries(queries, instructions)
        extra = _per_query_excludes(exclude, len(queries))
        if self.exclusion_weight == 0:
            return [QueryPlan(text) for text in full]
        per_query = instructions if instructions is not None and not isinstance(instructions, str) else None
        plans = []
        for i, query in enumerate(queries):
            instruction = per_query[i] if per_query is not None else instructions
            split = self.split(instruction, extra[i])
            if not split.excluded:
                plans.append(QueryPlan(full[i], (), split))
            else:
                plans.append(QueryPlan(self.template.format(query, split.wanted_text), split.excluded, split))
        return plans

    def _encode(self, texts: Sequence[str], batch_size: int | None, show_progress: bool) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        emb = self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(emb, dtype=np.float32)

    def encode_plans(
        self, plans: Sequence[QueryPlan], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed planned queries: every main and excluded text of the batch in one ``encode`` call."""
        if not any(p.excluded for p in plans):
            return self._encode([p.text for p in plans], batch_size, show_progress)
        unique: dict[str, int] = {}
        for p in plans:
            for text in (p.text, *p.excluded):
                unique.setdefault(text, len(unique))
        emb = self._encode(list(unique), batch_size, show_progress)
        main = emb[[unique[p.text] for p in plans]]
        excluded_mean = np.zeros_like(main)
        for row, p in enumerate(plans):
            if p.excluded:
                excluded_mean[row] = emb[[unique[t] for t in p.excluded]].mean(axis=0)
        return compose_queries(main, excluded_mean, self.exclusion_weight)

    def encode_queries(
        self,
        queries: str | Sequence[str],
        instructions: str | Sequence[str | None] | None = None,
        exclude: Excludes = None,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Embed queries, each with its instruction: one unit vector per query.

        Args:
            queries: One query or a list of queries.
            instructions: None, one instruction for all queries, or one per query.
            exclude: What the user excludes explicitly, added to what the parser finds in the instruction:
                one list of texts for all queries, or one list (or None) per query.
            batch_size: Overrides the default batch size.
            show_progress: Show a progress bar.

        Returns:
            A ``(len(queries), dimension)`` float32 array of unit vectors.
        """
        if isinstance(queries, str):
            queries = [queries]
        plans = self.plan_queries(queries, instructions, exclude)
        return self.encode_plans(plans, batch_size, show_progress)

    def encode_documents(
        self, docs: str | Sequence[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents, without any instruction.

        Returns:
            A ``(len(docs), dimension)`` float32 array of unit vectors.
        """
        if isinstance(docs, str):
            docs = [docs]
        return self._encode(docs, batch_size, show_progress)

    @staticmethod
    def similarity(queries: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Cosine similarity of every query to every document (inputs are unit vectors)."""
        return np.atleast_2d(queries) @ np.atleast_2d(docs).T

    def __repr__(self) -> str:
        return (
            f"InstructEncoder(model={self.model_name!r}, device={self.device!r}, "
            + (f"backend={self.backend!r}, quantize={self.quantize!r}, " if self.backend != "torch" else "")
            + f"template={self.template.template!r}, parser={self.parser!r}, "
            f"exclusion_weight={self.exclusion_weight})"
        )


def check_parser(name: str | None) -> str | None:
    """Return ``name`` if it names a registered instruction parser (or is None).

    Raises:
        InstructretError: No parser of that name.
    """
    if name is not None and name not in PARSERS:
        raise InstructretError(f"unknown instruction parser {name!r}; choose from {', '.join(sorted(PARSERS))}")
    return name
