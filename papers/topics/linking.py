"""Week-to-week links: a topic continues the most similar topic of the week before."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Cosine similarity of two topic centroids (normalised means of all-MiniLM vectors) above
# which the two are the same subject. On the June 2026 sample, continuing topics score
# 0.9 and more, neighbouring subjects 0.7 to 0.85.
LINK_THRESHOLD = 0.85


@dataclass(frozen=True)
class Link:
    previous_index: int
    similarity: float


def centroid(vectors: np.ndarray) -> np.ndarray:
    """Unit-length mean direction of a topic's paper vectors."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def link_centroids(
    *, current: np.ndarray, previous: np.ndarray, threshold: float = LINK_THRESHOLD
) -> list[Link | None]:
    """For each current centroid, the most similar previous one if similar enough.

    Several topics may continue one (a topic that split); rows are unit-length.
    """
    if len(previous) == 0 or len(current) == 0:
        return [None] * len(current)
    similarity = current @ previous.T
    best = similarity.argmax(axis=1)
    return [
        Link(int(j), float(similarity[i, j])) if similarity[i, j] >= threshold else None
        for i, j in enumerate(best)
    ]
