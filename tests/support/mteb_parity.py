"""mteb's own FollowIR evaluation, run offline on a local FollowIR-format directory (needs ``mteb``).

This module exists to cross-check instructret against the reference implementation, in tests and in
``benchmarks/followir.py``; it lives with the tests, not in the installed package, because it imports mteb's
private ``mteb._evaluators`` and mteb is a development dependency only.

mteb's FollowIR tasks (``Robust04InstructionRetrieval``, ...) read their data from the Hugging Face hub in
``load_data``, and their changed-document lists (``qrel_diff``) from the hub in ``task_specific_scores``,
so they cannot run offline as shipped. :class:`LocalFollowIRTask` is the closest equivalent: a subclass of
mteb's ``AbsTaskRetrieval`` with the same task type and the same scoring (``evaluate_p_mrr_change``),
which replaces only those two hub reads with reads of the local JSONL files, converted to mteb's layout
(query ids with ``-og`` / ``-changed`` suffixes, an ``instruction`` column, ``top_ranked`` lists).
Encoding, reranking, ranking and pytrec_eval scoring all run through mteb's code.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from datasets import Dataset
from mteb._evaluators.retrieval_metrics import evaluate_p_mrr_change  # private in mteb 2.x
from mteb.abstasks import AbsTaskRetrieval
from mteb.abstasks.task_metadata import TaskMetadata


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class LocalFollowIRTask(AbsTaskRetrieval):
    """A FollowIR task read from a local directory in the FollowIR layout (JSONL files).

    Args:
        directory: Folder with corpus, queries, qrels_og, qrels_changed and top_ranked ``.jsonl`` files.
    """

    metadata = TaskMetadata(
        name="LocalFollowIRInstructionRetrieval",
        description="FollowIR-format instruction-following reranking, read from a local directory.",
        reference="https://arxiv.org/abs/2403.15246",
        dataset={"path": "local/followir", "revision": "local"},
        type="InstructionReranking",
        category="t2t",
        modalities=["text"],
        eval_splits=["test"],
        eval_langs=["eng-Latn"],
        main_score="p-MRR",
        date=("2024-01-01", "2024-12-31"),
        domains=["Written"],
        task_subtypes=[],
        license="mit",
        annotations_creators="expert-annotated",
        dialect=[],
        sample_creation="found",
        bibtex_citation="",
    )

    def __init__(self, directory: str | Path, **kwargs: Any):
        super().__init__(**kwargs)
        self.directory = Path(directory)
        self.changed_qrels: dict[str, list[str]] = {}

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        """Read the local files into mteb's retrieval layout (replaces the hub download)."""
        if self.data_loaded:
            return
        d = self.directory
        corpus = Dataset.from_list(
            [{"id": r["_id"], "title": r.get("title") or "", "text": r["text"]} for r in _jsonl(d / "corpus.jsonl")]
        )
        queries = [
            {"id": f"{q['_id']}-{kind}", "text": q["text"], "instruction": q[f"instruction_{kind}"]}
            for q in _jsonl(d / "queries.jsonl")
            for kind in ("og", "changed")
        ]
        qrels: dict[str, dict[str, int]] = defaultdict(dict)
        by_kind: dict[str, dict[str, dict[str, int]]] = {"og": defaultdict(dict), "changed": defaultdict(dict)}
        for kind, store in by_kind.items():
            for r in _jsonl(d / f"qrels_{kind}.jsonl"):
                store[r["query-id"]][r["corpus-id"]] = int(r["score"])
                qrels[f"{r['query-id']}-{kind}"][r["corpus-id"]] = int(r["score"])
        top_ranked: dict[str, list[str]] = defaultdict(list)
        for r in _jsonl(d / "top_ranked.jsonl"):
            for kind in ("og", "changed"):
                top_ranked[f"{r['qid']}-{kind}"].append(r["pid"])
        og = by_kind["og"]
        # what the hub's qrel_diff config holds: documents whose judgment differs between the instructions
        self.changed_qrels = {
            q: sorted(x for x in og[q].keys() | new.keys() if og[q].get(x, 0) != new.get(x, 0))
            for q, new in by_kind["changed"].items()
        }
        self.dataset = {"default": {"test": {
            "corpus": corpus,
            "queries": Dataset.from_list(queries),
            "relevant_docs": dict(qrels),
            "top_ranked": dict(top_ranked),
        }}}
        self.data_loaded = True

    def task_specific_scores(
        self,
        scores: dict[str, dict[str, float]],
        qrels: dict[str, dict[str, int]],
        results: dict[str, dict[str, float]],
        hf_split: str,
        hf_subset: str,
    ) -> dict[str, Any]:
        """p-MRR and the og/changed scores, as mteb's FollowIR tasks compute them (without the hub read)."""
        return evaluate_p_mrr_change(qrels, results, self.changed_qrels, self.k_values)


def run_mteb_followir(model: Any, directory: str | Path, batch_size: int = 32) -> dict[str, Any]:
    """Evaluate a `SentenceTransformer` with mteb on a local FollowIR directory.

    Returns:
        mteb's score dict: ``"p-MRR"``, ``"og"`` / ``"changed"`` (``map_at_1000``, ``ndcg_at_5``, ...).
    """
    import mteb

    result = mteb.evaluate(model, LocalFollowIRTask(directory), cache=None, overwrite_strategy="always",
                           show_progress_bar=False, encode_kwargs={"batch_size": batch_size})
    return result.task_results[0].scores["test"][0]
