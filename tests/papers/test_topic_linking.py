"""Week-to-week identity: mutual best matches with a margin; split, merge, new."""

from __future__ import annotations

import numpy as np

from papers.topics.linking import Link, TopicState, link_centroids


def _unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


AXES = np.eye(6)


def test_a_topic_continues_its_mutual_best_match_and_a_stranger_is_new() -> None:
    previous = AXES[[0, 1, 2]]
    current = _unit([[1, 0.1, 0, 0, 0, 0], [0, 0, 1, 0.1, 0, 0], [0, 0, 0, 0, 0, 1]])

    links = link_centroids(current=current, previous=previous)

    assert [(link.state, link.previous_index) for link in links] == [
        (TopicState.CONTINUING, 0),
        (TopicState.CONTINUING, 2),
        (TopicState.NEW, None),
    ]


def test_two_halves_of_one_topic_one_continues_it_the_other_split_off() -> None:
    previous = AXES[[0, 3, 4]]
    current = _unit([[1, 0.6, 0, 0, 0, 0], [1, -0.1, 0, 0, 0, 0.7], [0, 0, 0, 1, 0, 0]])

    links = link_centroids(current=current, previous=previous)

    continuing = [link for link in links if link.state is TopicState.CONTINUING]
    split = [link for link in links if link.state is TopicState.SPLIT]
    assert len({link.previous_index for link in continuing}) == len(continuing)
    assert [link.origin_index for link in split] == [0]
    assert links[2] == Link(TopicState.CONTINUING, 1, similarity=links[2].similarity)


def test_two_topics_that_became_one_merged_and_each_is_continued_once() -> None:
    previous = _unit([[1, 0.3, 0, 0, 0, 0], [1, -0.3, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0]])
    current = _unit([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0.1], [0, 0, 0, 0, 0, 1]])

    links = link_centroids(current=current, previous=previous)

    assert links[0].state is TopicState.MERGED
    assert {links[0].previous_index, links[0].origin_index} == {0, 1}
    assert links[1].state is TopicState.CONTINUING and links[1].previous_index == 2


def test_a_near_tie_is_no_guessed_continuation_but_a_merge_of_both() -> None:
    previous = _unit([[1, 0.05, 0, 0, 0, 0], [1, -0.05, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    current = _unit([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])

    links = link_centroids(current=current, previous=previous, margin=0.05)

    assert links[0].state is TopicState.MERGED
    assert {links[0].previous_index, links[0].origin_index} == {0, 1}
    assert links[1].state is TopicState.CONTINUING


def test_a_topic_that_fell_into_two_like_parts_gives_two_splits_and_no_continuation() -> None:
    previous = AXES[[0, 5]]
    current = _unit([[1, 0.2, 0, 0, 0, 0], [1, -0.2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])

    links = link_centroids(current=current, previous=previous)

    assert [(link.state, link.origin_index) for link in links[:2]] == [(TopicState.SPLIT, 0)] * 2
    assert links[2].state is TopicState.CONTINUING


def test_the_first_week_has_only_new_topics() -> None:
    links = link_centroids(current=AXES[[0, 1]], previous=np.zeros((0, 6)))

    assert [link.state for link in links] == [TopicState.NEW, TopicState.NEW]
