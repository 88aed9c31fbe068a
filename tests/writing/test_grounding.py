"""The grounding check: evidence per sentence, and invented facts flagged and blocking."""

from __future__ import annotations

import pytest

from papers.models import Paper
from tests.writing.conftest import ABSTRACTS, WEEK, ScriptedClient, faithful_answer
from writing import grounding
from writing.models import DraftItem
from writing.services import drafting
from writing.services.publishing import PublishBlocked, draft_publish

TITLE, ABSTRACT = ABSTRACTS[0]
SOURCE = grounding.Source(arxiv_id="2407.04153", title=TITLE, abstract=ABSTRACT)


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(f["kind"], f["text"]) for f in grounding.fact_flags(text=text, sources=[SOURCE])]


def test_the_check_catches_an_invented_title() -> None:
    text = (
        "Like *Quantum Llamas Are All You Need*, the paper "
        "[Mixture of a Million Experts](https://arxiv.org/abs/2407.04153) scales experts."
    )
    assert _kinds(text) == [("title", "Quantum Llamas Are All You Need")]


def test_the_check_catches_an_invented_number_but_not_one_the_abstract_states() -> None:
    text = "PEER cuts perplexity by 12.5% with 16 experts per token, and runs 3.7x faster."
    assert _kinds(text) == [("number", "3.7")]


def test_numbers_written_as_words_in_the_abstract_may_be_written_as_digits() -> None:
    source = grounding.Source("2401.00001", "A", "We evaluate on three benchmarks and 1,000 tasks.")
    text = "It is tested on 3 benchmarks and 1000 tasks."
    assert grounding.fact_flags(text=text, sources=[source]) == []


def test_the_check_catches_an_arxiv_link_and_a_repository_of_no_source() -> None:
    text = (
        "See [arXiv:2407.04153](https://arxiv.org/abs/2407.04153v2), "
        "https://arxiv.org/abs/2501.99999 and https://github.com/someone/else."
    )
    assert _kinds(text) == [
        ("link", "arxiv.org/abs/2501.99999"),
        ("link", "https://github.com/someone/else"),
    ]


def test_each_sentence_keeps_the_abstract_sentence_it_rests_on() -> None:
    section = (
        "PEER is a layer that retrieves from a vast pool of tiny experts. "
        "On language modelling it beats dense feed-forward layers at equal compute."
    )
    evidence = grounding.evidence_for(section=section, abstract=ABSTRACT)

    assert [e["span"][:30] for e in evidence] == [
        "We introduce PEER, a layer des",
        "On language modelling, PEER la",
    ]
    first = evidence[0]
    assert ABSTRACT[first["start"] : first["end"]] == first["span"]
    assert all(e["score"] >= 0.5 for e in evidence)


def test_a_sentence_sharing_nothing_with_the_abstract_is_flagged_weak_but_not_blocking() -> None:
    evidence = grounding.evidence_for(
        section="Bananas ripen faster near apples in warm kitchens.", abstract=ABSTRACT
    )
    flags = grounding.weak_support_flags(evidence)
    assert [(f["kind"], f["blocking"]) for f in flags] == [("support", False)]


@pytest.mark.django_db
def test_an_invented_fact_from_the_model_is_flagged_inline_and_blocks_publishing(
    week_papers: list[Paper],
) -> None:
    def inventive(prompt: str) -> str:
        if "Write one section" in prompt and "Million Experts" in prompt:
            return "PEER, from *Sparse Llamas Beat Dense Ones*, gains 42.7% accuracy."
        return faithful_answer(prompt)

    draft = drafting.draft_prepare(week_start=WEEK, item_count=2)
    draft = drafting.draft_write(draft_id=draft.pk, client=ScriptedClient(answer=inventive))
    item = draft.items.get(paper=week_papers[0])

    assert [(f["kind"], f["text"]) for f in item.blocking_flags] == [
        ("title", "Sparse Llamas Beat Dense Ones"),
        ("number", "42.7"),
    ]
    assert item.is_blocked
    with pytest.raises(PublishBlocked, match="unresolved findings in the section on"):
        draft_publish(draft_id=draft.pk)
    assert draft.items.get(pk=item.pk).origin == DraftItem.Origin.LLM
