"""Dual-view data synthesis: polarity reversal with an LLM, verification, restyling, resumable runs."""

from instructret.synthesis.checks import copies_document, is_negation_of, trivial_reason
from instructret.synthesis.client import (
    BadAnswerError,
    FatalLLMError,
    JsonLLM,
    LLMConfig,
    TransientLLMError,
    extract_json_object,
)
from instructret.synthesis.local import local_llm_config, local_llm_server, open_llm
from instructret.synthesis.negatives import (
    NegativeChoice,
    make_negative_chooser,
    negative_strategies,
    register_negative_chooser,
)
from instructret.synthesis.prompts import PROMPT_VERSION, STYLE_PROMPT_VERSION
from instructret.synthesis.restyle import restyle_views, run_restyle
from instructret.synthesis.runner import RunCounts, RunSummary, content_hash
from instructret.synthesis.seeds import read_seeds
from instructret.synthesis.styles import (
    STYLES,
    InstructionStyle,
    exclusion_clause,
    parse_styles,
    register_style,
    states_exclusion,
    view_exclusion,
)
from instructret.synthesis.synth import reverse_polarity, run_synthesis

__all__ = [
    "PROMPT_VERSION",
    "STYLES",
    "STYLE_PROMPT_VERSION",
    "BadAnswerError",
    "FatalLLMError",
    "InstructionStyle",
    "JsonLLM",
    "LLMConfig",
    "NegativeChoice",
    "RunCounts",
    "RunSummary",
    "TransientLLMError",
    "content_hash",
    "copies_document",
    "exclusion_clause",
    "extract_json_object",
    "is_negation_of",
    "local_llm_config",
    "local_llm_server",
    "make_negative_chooser",
    "negative_strategies",
    "open_llm",
    "parse_styles",
    "read_seeds",
    "register_negative_chooser",
    "register_style",
    "restyle_views",
    "reverse_polarity",
    "run_restyle",
    "run_synthesis",
    "states_exclusion",
    "trivial_reason",
    "view_exclusion",
]
