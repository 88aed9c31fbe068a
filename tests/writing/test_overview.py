"""The Pulse overview states the week's topics in sentences a reader can take at face value."""

from __future__ import annotations

from writing.extractive import TopicFact, overview_text


def test_one_topic_is_named_in_the_singular_with_its_count() -> None:
    text = overview_text(paper_count=10, topics=[TopicFact("Sparse experts", 1, None)])
    assert text == (
        "This week, 10 papers were announced; the largest topic was Sparse experts (1 paper)."
    )


def test_several_topics_are_named_in_the_plural() -> None:
    topics = [TopicFact("LLM agents", 4, None), TopicFact("KV cache compression", 3, None)]
    text = overview_text(paper_count=0, topics=topics)
    assert text.startswith("This week, the largest topics were LLM agents (4 papers)")
    assert "KV cache compression (3 papers)" in text


def test_a_week_without_topics_says_so() -> None:
    assert overview_text(paper_count=5, topics=[]).startswith("A quieter week")
