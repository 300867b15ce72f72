"""FollowIR evaluation: loading, reranking under og and changed instructions, and p-MRR / MAP / nDCG."""

from instructret.evaluation.benchmark import FollowIRBenchmark, run_followir_benchmark
from instructret.evaluation.cache import EmbeddingCache, model_fingerprint
from instructret.evaluation.dataset import FollowIRDataset, FollowIRQuery
from instructret.evaluation.followir import FollowIRResult, evaluate_followir
from instructret.evaluation.loaders import OFFICIAL_DATASETS, load_followir
from instructret.evaluation.measures import MAP_1000, MEASURES, NDCG_5, P_MRR, Measure
from instructret.evaluation.metrics import ir_metrics, pmrr, pmrr_per_query, rank_score
from instructret.evaluation.published_scores import REFERENCE_PMRR

__all__ = [
    "MAP_1000",
    "MEASURES",
    "NDCG_5",
    "OFFICIAL_DATASETS",
    "P_MRR",
    "REFERENCE_PMRR",
    "EmbeddingCache",
    "FollowIRBenchmark",
    "FollowIRDataset",
    "FollowIRQuery",
    "FollowIRResult",
    "Measure",
    "evaluate_followir",
    "ir_metrics",
    "load_followir",
    "model_fingerprint",
    "pmrr",
    "pmrr_per_query",
    "rank_score",
    "run_followir_benchmark",
]
