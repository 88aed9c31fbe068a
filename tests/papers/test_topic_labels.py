"""Topic names from distinctive phrases, cased as authors write them."""

from __future__ import annotations

from papers.topics.labels import (
    ctfidf_keywords,
    is_generic,
    phrases,
    topic_name,
    usual_casing,
)


def _corpus() -> tuple[list[str], list[int]]:
    """60 papers: LLM agents, video diffusion, and MIMO channels; "language" is everywhere."""
    agent = "Tool use for LLM agents. How LLMs plan; LLM agents use a language of tools."
    video = "Video diffusion at scale. A language of motion: video diffusion with attention."
    mimo = "Capacity of MIMO channels. MIMO capacity under fading, in a language of bounds."
    texts = [agent] * 20 + [video] * 20 + [mimo] * 20
    return texts, [0] * 20 + [1] * 20 + [2] * 20


def test_phrases_never_cross_a_stop_word_or_punctuation() -> None:
    found = set(
        phrases("Large language models, for agents: a survey", stop=frozenset({"for", "a"}))
    )

    assert "large language models" in found and "models agents" not in found
    assert "survey" in found and "agents survey" not in found


def test_names_are_the_distinctive_phrase_in_the_authors_casing() -> None:
    texts, labels = _corpus()

    keywords = ctfidf_keywords(texts=texts, labels=labels)

    assert topic_name(keywords[0]) == "LLM agents"
    assert topic_name(keywords[1]) == "Video diffusion"
    assert keywords[2][0] == "MIMO capacity" or "MIMO" in topic_name(keywords[2])
    assert not any("language" in k.lower() for ks in keywords.values() for k in ks)


def test_a_single_or_generic_lead_word_gets_a_second_phrase() -> None:
    assert topic_name(["robotics", "grasp planning"]) == "Robotics, grasp planning"
    assert topic_name(["language models", "code repair"]) == "Language models, code repair"
    assert topic_name(["speech recognition", "accents"]) == "Speech recognition"


def test_casing_follows_the_abstracts_not_the_title() -> None:
    texts = ["Scaling Video Diffusion. We train video diffusion models; video diffusion is costly."]

    assert usual_casing("video diffusion", texts) == "video diffusion"
    assert usual_casing("llms", ["A study. Many LLMs fail; LLMs lie."]) == "LLMs"


def test_generic_names_are_recognised() -> None:
    assert is_generic("Language models, training") and is_generic("Evaluation of LLMs")
    assert not is_generic("LLM agents") and not is_generic("Gaussian splatting")
