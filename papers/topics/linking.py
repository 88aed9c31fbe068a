"""Week-to-week identity: a topic continues at most one topic of the week before, and is
continued by at most one, and only when the pair is clearly each other's best match.

All topic centroids of two weeks sit close together (raw cosines of 0.85 to 0.99: every
centroid leans towards "an ML abstract"), so they are compared after removing that shared
direction: each centroid minus the mean of both weeks' centroids. Two topics link when each
is the other's nearest, the similarity reaches ``LINK_THRESHOLD`` and beats the runner-up,
in both directions, by ``LINK_MARGIN``. Of the rest, a topic that two topics of last week
both lead to (each has it as its best match) merged them; one whose nearest topic of last
week is close enough but continued elsewhere, or shared with another part, split off from
it; any other is new. A topic of last week that nothing continues or took in has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

LINK_THRESHOLD = 0.5
LINK_MARGIN = 0.05


class TopicState(StrEnum):
    NEW = "new"
    CONTINUING = "continuing"
    SPLIT = "split"  # a part of a topic of last week that continues elsewhere
    MERGED = "merged"  # continues a topic and took in another of last week


@dataclass(frozen=True)
class Link:
    """A current topic's tie to last week: its ``state`` and the topic index it continues
    (``previous_index``) or split from / merged with (``origin_index``)."""

    state: TopicState
    previous_index: int | None = None
    origin_index: int | None = None
    similarity: float | None = None


def centroid(vectors: np.ndarray) -> np.ndarray:
    """Unit-length mean direction of a topic's paper vectors."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm if norm > 0 else mean)


def centred_similarity(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Cosines of the centroids after removing their shared direction (both weeks' mean)."""
    shared = np.vstack([current, previous]).mean(axis=0)
    a, b = current - shared, previous - shared
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.asarray(a @ b.T, dtype=np.float64)


def link_centroids(
    *,
    current: np.ndarray,
    previous: np.ndarray,
    threshold: float = LINK_THRESHOLD,
    margin: float = LINK_MARGIN,
) -> list[Link]:
    """The state of each current topic (rows are unit-length centroids)."""
    if len(previous) == 0 or len(current) == 0:
        return [Link(TopicState.NEW)] * len(current)
    similarity = centred_similarity(current, previous)
    links = [Link(TopicState.NEW)] * len(current)
    continued: dict[int, int] = {}
    for i in range(len(current)):
        j = int(similarity[i].argmax())
        if _clear_pair(similarity, i, j, threshold=threshold, margin=margin):
            links[i] = Link(
                TopicState.CONTINUING, previous_index=j, similarity=float(similarity[i, j])
            )
            continued[j] = i
    for i in range(len(current)):  # too close to call, or a part of a continued topic
        j = int(similarity[i].argmax())
        if links[i].state is not TopicState.NEW or similarity[i, j] < threshold:
            continue
        partner = _merge_partner(similarity, i, j, threshold=threshold, taken=continued)
        if partner is not None:  # two of last week's topics both lead here: a merge
            links[i] = Link(
                TopicState.MERGED, j, origin_index=partner, similarity=float(similarity[i, j])
            )
            continued[j] = continued[partner] = i
        else:  # last week's topic goes on elsewhere, or into several parts alike
            links[i] = Link(TopicState.SPLIT, origin_index=j, similarity=float(similarity[i, j]))
    for j in range(len(previous)):  # last week's topic that went into a continuing one
        i = int(similarity[:, j].argmax())
        link = links[i]
        if (
            j not in continued
            and link.state is TopicState.CONTINUING
            and similarity[i, j] >= threshold
        ):
            links[i] = Link(
                TopicState.MERGED, link.previous_index, origin_index=j, similarity=link.similarity
            )
            continued[j] = i
    return links


def _merge_partner(
    similarity: np.ndarray, i: int, j: int, *, threshold: float, taken: dict[int, int]
) -> int | None:
    """Another topic of last week, as close to current ``i`` as ``j`` is (within the
    threshold), for which ``i`` is also the best match; None if there is none."""
    if j in taken or int(similarity[:, j].argmax()) != i:
        return None
    for other in np.argsort(-similarity[i], kind="stable"):
        k = int(other)
        if k == j or k in taken or similarity[i, k] < threshold:
            continue
        if int(similarity[:, k].argmax()) == i:
            return k
    return None


def _clear_pair(similarity: np.ndarray, i: int, j: int, *, threshold: float, margin: float) -> bool:
    """``i`` and ``j`` are each other's best match, close enough, and ahead of the rest."""
    if similarity[i, j] < threshold or int(similarity[:, j].argmax()) != i:
        return False
    row = np.delete(similarity[i], j)
    column = np.delete(similarity[:, j], i)
    runner_up = max(row.max(initial=-1.0), column.max(initial=-1.0))
    return bool(similarity[i, j] - runner_up >= margin)
