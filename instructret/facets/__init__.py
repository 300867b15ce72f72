"""Dual-view data and FollowIR-format test sets built from document metadata (facets), with no LLM.

- :mod:`~instructret.facets.vocabulary`: which facet values define topics and which separate documents;
- :mod:`~instructret.facets.debtags`: the packaged vocabulary, built from Debian's debtags vocabulary;
- :mod:`~instructret.facets.pairs`: facet polarity reversal (``instructret facets synth``);
- :mod:`~instructret.facets.followir_build`: FollowIR-format sets judged by facets (``instructret facets followir``).
"""

from instructret.facets.corpus import FacetedCorpus, FacetedDoc, read_faceted_corpus
from instructret.facets.debtags import build_debtags_vocabulary, read_debtags_vocabulary
from instructret.facets.exclusions import Exclusions, read_exclusions
from instructret.facets.followir_build import FacetFollowIRConfig, build_facet_followir
from instructret.facets.pairs import FacetSynthConfig, FacetSynthSummary, synthesize_facet_pairs
from instructret.facets.phrasing import FACET_STYLES
from instructret.facets.vocabulary import (
    FacetFamily,
    FacetValue,
    FacetVocabulary,
    load_vocabulary,
    save_vocabulary,
)

__all__ = [
    "FACET_STYLES",
    "Exclusions",
    "FacetFamily",
    "FacetFollowIRConfig",
    "FacetSynthConfig",
    "FacetSynthSummary",
    "FacetValue",
    "FacetVocabulary",
    "FacetedCorpus",
    "FacetedDoc",
    "build_debtags_vocabulary",
    "build_facet_followir",
    "load_vocabulary",
    "read_debtags_vocabulary",
    "read_exclusions",
    "read_faceted_corpus",
    "save_vocabulary",
    "synthesize_facet_pairs",
]
