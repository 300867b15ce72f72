"""Published FollowIR reference points, to place a model among known retrievers.

p-MRR x100, mean over the official Robust04, News21 and Core17 sets (FollowIR, Weller et al. 2024;
Promptriever, Weller et al. 2024). They come from the official data: on any other set they are context,
not a like-for-like comparison.
"""

from __future__ import annotations

from instructret.evaluation.measures import MAP_1000, NDCG_5

#: Model -> published mean p-MRR (x100) over Robust04, News21 and Core17.
REFERENCE_PMRR: dict[str, float] = {
    "BM25": -2.1,
    "e5-base-v2": -3.9,
    "bge-base": -3.1,
    "INSTRUCTOR-xl": -2.8,
    "FollowIR-7B": 12.2,
    "Promptriever-7B": 11.2,
}

#: The official sets the reference means cover.
REFERENCE_SETS = ("robust04", "news21", "core17")

#: The official headline score of each set besides p-MRR (computed on the og-instruction run).
OFFICIAL_SCORE = {"robust04": MAP_1000, "news21": NDCG_5, "core17": MAP_1000}
