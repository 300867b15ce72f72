"""`run_followir_benchmark`: evaluate one model on one or more FollowIR sets and write the report files.

This is the library behind ``instructret bench followir``; the quickstart and the ablations call it too.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from instructret.atomic import write_text_atomic
from instructret.backends import check_backend
from instructret.encoder import InstructEncoder, check_exclusion_weight, check_parser
from instructret.errors import InstructretError
from instructret.evaluation.cache import EmbeddingCache, model_fingerprint
from instructret.evaluation.dangling_rows import Exclusion
from instructret.evaluation.dataset import FollowIRDataset
from instructret.evaluation.followir import TOP_K, FollowIRResult, evaluate_followir
from instructret.evaluation.loaders import OFFICIAL_DATASETS, load_followir
from instructret.evaluation.measures import json_ready
from instructret.evaluation.published_scores import REFERENCE_PMRR
from instructret.evaluation.report import markdown_table, mean_scores, plot_pmrr
from instructret.formatting import InstructionTemplate, resolve_template
from instructret.spec import EncoderSpec, make_spec

#: Names of the files written into the output directory.
RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
PLOT_PNG = "pmrr.png"
CACHE_DIRNAME = "embedding-cache"


@dataclass
class FollowIRBenchmark:
    """The outcome of :func:`run_followir_benchmark`.

    Attributes:
        model: Model name as given (alias, path or hub id).
        device: Torch device the model ran on.
        model_key: Fingerprint of the weights (the embedding-cache key).
        template: The query template used.
        results: Dataset name -> :class:`~instructret.evaluation.followir.FollowIRResult`.
        datasets: Dataset name -> ``{"source", "revision", "official"}``.
        wall_time_s: Seconds from start to finish, model loading included.
        table: The markdown report (also written to ``results.md``).
        files: What was written: ``results.json``, ``results.md``, ``pmrr.png`` (empty without ``out_dir``).
        backend: The inference backend.
        quantize: The quantization of an exported model, if any.
        spec: The encoder's :class:`~instructret.spec.EncoderSpec`, as a dict.
        parser: The instruction parser in force.
        exclusion_weight: The exclusion weight in force (0: instructions were not split).
    """

    model: str
    template: str
    device: str
    model_key: str
    results: dict[str, FollowIRResult]
    datasets: dict[str, dict[str, Any]]
    wall_time_s: float
    table: str
    files: dict[str, Path] = field(default_factory=dict)
    backend: str = "torch"
    quantize: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    parser: str = "none"
    exclusion_weight: float = 0.0

    @property
    def mean(self) -> dict[str, float]:
        """Each measure's mean over the datasets (raw fractions, keyed as in :mod:`~.measures`; NaN if undefined)."""
        return mean_scores(self.results)

    def warnings(self) -> list[str]:
        """One line per dataset and kind of row left out of scoring; empty when every row was scored.

        See :mod:`~instructret.evaluation.dangling_rows` for the rule.
        """
        return [f"{name}: {Exclusion(**e).message()}" for name, r in self.results.items() for e in r.excluded]

    def to_dict(self) -> dict[str, Any]:
        """Everything ``results.json`` holds."""
        try:
            version = metadata.version("instructret")
        except metadata.PackageNotFoundError:
            version = None
        return {
            "benchmark": "FollowIR",
            "model": self.model,
            "template": self.template,
            "device": self.device,
            "backend": self.backend,
            "quantize": self.quantize,
            "encoder": self.spec,
            "parser": self.parser,
            "exclusion_weight": self.exclusion_weight,
            "model_fingerprint": self.model_key,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "instructret_version": version,
            "scale": "raw fractions as in mteb; multiply by 100 to compare with published tables",
            "mean": json_ready(self.mean),
            "datasets": {name: {**self.datasets[name], **r.to_dict()} for name, r in self.results.items()},
            "reference_pmrr_x100": REFERENCE_PMRR,
            "wall_time_s": self.wall_time_s,
        }


def _is_official(dataset: FollowIRDataset) -> bool:
    return dataset.source.removesuffix("-mteb") in OFFICIAL_DATASETS.values()


def _expand(datasets: str | FollowIRDataset | Sequence[str | Path | FollowIRDataset]) -> list:
    items = [datasets] if isinstance(datasets, str | Path | FollowIRDataset) else list(datasets)
    out: list = []
    for item in items:
        out.extend(OFFICIAL_DATASETS if item == "all" else [item])
    return out


#: Spec fields that only change how queries are made, so a loaded encoder can take them as overrides.
_QUERY_FIELDS = ("template", "parser", "exclusion_weight")


def _with_query_settings(encoder: InstructEncoder, overrides: dict[str, Any]) -> InstructEncoder:
    """A copy of a loaded encoder with other query settings (the weights are shared, not reloaded)."""
    loading = sorted(k for k, v in overrides.items() if v is not None and k not in _QUERY_FIELDS)
    if loading:
        raise InstructretError(f"{', '.join(loading)} cannot be changed on a loaded encoder; pass the model name")
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return encoder
    clone = copy.copy(encoder)
    clone.spec = make_spec(encoder.spec, **given)
    if "template" in given:
        clone.template = resolve_template(None, given["template"])
    if "parser" in given:
        clone.parser = check_parser(given["parser"])
        clone.__dict__.pop("_parser_obj", None)
    if "exclusion_weight" in given:
        clone.exclusion_weight = check_exclusion_weight(given["exclusion_weight"])
    return clone


def _split_note(encoder: InstructEncoder) -> str:
    if encoder.exclusion_weight == 0:
        return "instructions not split (exclusion weight 0)"
    return f"instructions split by the {encoder.parser} parser, exclusion weight {encoder.exclusion_weight:g}"


def run_followir_benchmark(
    model: str | EncoderSpec | InstructEncoder,
    datasets: str | FollowIRDataset | Sequence[str | Path | FollowIRDataset] = "all",
    out_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    persist_cache: bool = True,
    revision: str | None = None,
    show_progress: bool = True,
    batch_size: int = 32,
    top_k: int = TOP_K,
    **spec_fields: Any,
) -> FollowIRBenchmark:
    """Evaluate a model on FollowIR sets and, with ``out_dir``, write results.json, results.md and pmrr.png.

    Args:
        model: Model name (alias, local directory, hub id), an :class:`~instructret.spec.EncoderSpec`, or a
            loaded :class:`InstructEncoder`.
        datasets: ``"all"`` (Robust04, News21, Core17), a short name, hub id, local directory, a loaded
            :class:`FollowIRDataset`, or a list of these.
        out_dir: Where to write the report files; None writes nothing.
        cache_dir: Persistent document-embedding cache; default ``out_dir/embedding-cache`` (in memory
            only without ``out_dir``).
        persist_cache: False keeps embeddings in memory only, whatever ``cache_dir`` says.
        revision: Hub revision for hub datasets.
        show_progress: Show progress bars.
        batch_size: Encoding batch size.
        top_k: Candidates kept per query (mteb: 1000).
        **spec_fields: :class:`~instructret.spec.EncoderSpec` fields (``template``, ``device``, ``backend``,
            ``quantize``, ``parser``, ``exclusion_weight`` ...) overriding those of ``model``; on a loaded
            encoder only the query settings (``template``, ``parser``, ``exclusion_weight``).

    Returns:
        A :class:`FollowIRBenchmark`.

    Raises:
        InstructretError: A dataset or the model cannot be loaded (before any encoding starts).

    Example:
        >>> report = run_followir_benchmark("minilm", "../shared/data/followir-dev", out_dir="bench")  # doctest: +SKIP
        >>> print(report.table)  # doctest: +SKIP
    """
    start = time.perf_counter()
    if spec_fields.get("template") is not None:
        InstructionTemplate(spec_fields["template"])  # a bad template fails before anything loads
    check_exclusion_weight(spec_fields.get("exclusion_weight"))
    check_parser(spec_fields.get("parser"))
    if not isinstance(model, InstructEncoder):
        spec = make_spec(model, **spec_fields)
        check_backend(spec.backend, spec.quantize)  # so does a backend whose packages are missing
    # load every dataset first, so a bad name or file fails before any encoding
    loaded: dict[str, FollowIRDataset] = {}
    for item in _expand(datasets):
        ds = item if isinstance(item, FollowIRDataset) else load_followir(item, revision=revision)
        key = ds.name if ds.name not in loaded else f"{ds.name}-{len(loaded) + 1}"
        loaded[key] = ds
    if isinstance(model, InstructEncoder):
        encoder = _with_query_settings(model, spec_fields)
    else:
        encoder = InstructEncoder(spec, batch_size=batch_size)
    out = Path(out_dir).expanduser() if out_dir is not None else None
    if cache_dir is None and out is not None:
        cache_dir = out / CACHE_DIRNAME
    if not persist_cache:
        cache_dir = None
    cache = EmbeddingCache(model_fingerprint(encoder), Path(cache_dir).expanduser() if cache_dir else None,
                           description={"model": encoder.model_name, "path": str(encoder.model_path)})

    results = {name: evaluate_followir(encoder, ds, show_progress=show_progress, cache=cache, top_k=top_k)
               for name, ds in loaded.items()}
    official = {name: _is_official(ds) for name, ds in loaded.items()}
    bench = FollowIRBenchmark(
        model=encoder.model_name,
        template=encoder.template.template,
        device=encoder.device,
        model_key=cache.model_key,
        results=results,
        datasets={n: {"source": ds.source, "revision": ds.revision, "official": official[n]}
                  for n, ds in loaded.items()},
        wall_time_s=0.0,
        table=markdown_table(encoder.model_name, encoder.template.template, results, official,
                             split=_split_note(encoder)),
        backend=encoder.backend,
        quantize=encoder.quantize,
        spec=encoder.spec.to_config(),
        parser=encoder.parser,
        exclusion_weight=encoder.exclusion_weight,
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        bench.files["pmrr.png"] = plot_pmrr(encoder.model_name, results, official, out / PLOT_PNG)
        write_text_atomic(out / RESULTS_MD, bench.table)
        bench.files["results.md"] = out / RESULTS_MD
        bench.files["results.json"] = out / RESULTS_JSON
    bench.wall_time_s = time.perf_counter() - start
    if out is not None:
        write_text_atomic(out / RESULTS_JSON, json.dumps(bench.to_dict(), indent=2) + "\n")
    return bench
