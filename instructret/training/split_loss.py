"""`SplitQueryLoss`: the ranking loss on the query vector that search computes with the instruction split.

Search reads an instruction as wanted clauses and excluded concepts (:mod:`instructret.instructions`) and
queries with ONE vector, ``normalize(E(template(query, wanted)) - weight * mean_j E(excluded_j))``
(:func:`instructret.formatting.compose_queries`). Training on the joined instruction teaches the model a
vector that search never uses; this loss trains the composed one instead. The dataset (built with
``split=True`` by :func:`~instructret.training.dataset.build_training_set`) holds the main input in ``anchor``,
the documents next, then ``excluded_1`` .. ``excluded_K`` (empty strings past a row's own count) and the
count itself as the label. Only the real excluded texts are encoded, in one extra forward pass per batch;
the split itself happens outside the network, so an exported model (ONNX, OpenVINO) and a multi-GPU run
need nothing special.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - torch's own spelling
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from torch import Tensor

from instructret.formatting import compose_queries


def _rows(features: dict[str, Any], keep: Tensor, batch_size: int) -> dict[str, Any]:
    """The rows ``keep`` of one column's features, trimmed to the longest kept input."""
    out: dict[str, Any] = {}
    for key, value in features.items():
        out[key] = value[keep] if isinstance(value, Tensor) and value.ndim >= 1 and value.shape[0] == batch_size \
            else value
    mask = out.get("attention_mask")
    if isinstance(mask, Tensor) and mask.ndim == 2 and mask.shape[0]:
        width = int(mask.sum(dim=1).max())
        for key, value in out.items():
            if isinstance(value, Tensor) and value.ndim == 2 and value.shape == mask.shape:
                out[key] = value[:, :width]
    return out


class SplitQueryLoss(MultipleNegativesRankingLoss):
    """MultipleNegativesRankingLoss whose anchors are the composed (split) query vectors.

    Args:
        model: The SentenceTransformer being trained.
        exclusion_weight: The weight (lambda) search will use; fixed during training.
        excluded_columns: How many ``excluded_<j>`` columns follow the document columns.
        scale: Similarity scale (1 / temperature).
        gather_across_devices: Score against the documents of every device's batch.
    """

    def __init__(self, model: Any, exclusion_weight: float, excluded_columns: int, scale: float = 20.0,
                 gather_across_devices: bool = False) -> None:
        super().__init__(model, scale=scale, gather_across_devices=gather_across_devices)
        self.exclusion_weight = float(exclusion_weight)
        self.excluded_columns = int(excluded_columns)

    def excluded_mean(self, excluded: list[dict[str, Any]], counts: Tensor, like: Tensor) -> Tensor:
        """``(batch, dim)`` mean of the L2-normalized embeddings of each row's excluded texts (zero rows: none).

        Args:
            excluded: The features of the ``excluded_<j>`` columns, in order.
            counts: Excluded texts per row (slot ``j`` is real where ``counts > j``).
            like: A ``(batch, dim)`` tensor whose shape, device and dtype the result takes.
        """
        batch = like.shape[0]
        counts = counts.to(like.device)
        total = torch.zeros_like(like)
        picked, owners = [], []
        for j, features in enumerate(excluded):
            keep = (counts > j).nonzero(as_tuple=True)[0]
            if keep.numel():
                picked.append(_rows(features, keep.to(self._device(features)), batch))
                owners.append(keep)
        if not picked:
            return total
        embedded = embed_columns(self.model, picked, separate_first=False)
        vectors = torch.cat([F.normalize(e, dim=-1) for e in embedded], dim=0)
        total = total.index_add(0, torch.cat(owners), vectors.to(like.dtype))
        return total / counts.clamp_min(1).unsqueeze(1).to(like.dtype)

    @staticmethod
    def _device(features: dict[str, Any]) -> torch.device:
        ids = features.get("input_ids")
        return ids.device if isinstance(ids, Tensor) else torch.device("cpu")

    def embed(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor | None) -> list[Tensor]:
        """The composed query vectors, then the embeddings of each document column."""
        features = list(sentence_features)
        k = self.excluded_columns
        if k and labels is None:
            raise ValueError("the split-aware loss needs the excluded counts as labels (a 'label' column)")
        main, excluded = (features[:-k], features[-k:]) if k else (features, [])
        embeddings = embed_columns(self.model, main)
        anchors = F.normalize(embeddings[0], dim=-1)  # search composes L2-normalized embeddings
        if k:
            anchors = compose_queries(anchors, self.excluded_mean(excluded, labels, anchors), self.exclusion_weight)
        return [anchors, *embeddings[1:]]

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:  # noqa: D102
        return self.compute_loss_from_embeddings(self.embed(sentence_features, labels), labels)

    def get_config_dict(self) -> dict[str, Any]:  # noqa: D102 - recorded in the model card
        return {**super().get_config_dict(), "exclusion_weight": self.exclusion_weight,
                "excluded_columns": self.excluded_columns}
