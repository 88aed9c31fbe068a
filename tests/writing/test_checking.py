"""The draft checker on the faults seen in real drafts (issue 24); each must be caught,
and a faithful section must pass clean."""

from __future__ import annotations

import pytest

from writing.checking import check
from writing.grounding import Source

ABSTRACT = (
    "We introduce SWITCH, a sparse routing method for long-context language models. "
    "SWITCH reduces memory use by 38% and improves accuracy on 12 retrieval tasks. "
    "It does not require retraining the base model. Code is available."
)
SOURCE = Source(arxiv_id="2606.00001", title="SWITCH: Sparse Routing", abstract=ABSTRACT)
CLEAN = (
    "The authors introduce SWITCH, a sparse routing method for long-context language "
    "models. SWITCH reduces memory use by 38% and improves accuracy on 12 retrieval tasks."
)


def _kinds(text: str, **kwargs: object) -> set[str]:
    return {str(f["kind"]) for f in check(text=text, sources=[SOURCE], **kwargs)}  # type: ignore[arg-type]


def test_a_faithful_section_has_no_finding() -> None:
    assert _kinds(CLEAN) == set()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CLEAN + " It was published in 2023.", "year"),
        (CLEAN + " It appeared at ICML2023.", "venue"),
        (CLEAN + " It comes from the University of California, San Francisco (UCSB).",
         "organisation"),
        (CLEAN + " It was led by Jane Smith.", "name"),
        (CLEAN.replace("38%", "45%"), "number"),
        (
            "SWITCH does not improve accuracy on 12 retrieval tasks and uses more memory.",
            "negation",
        ),
        ("SWITCH increases memory use by 38% on 12 retrieval tasks.", "direction"),
        (
            CLEAN
            + " It has been used to evaluate models in a wide range of tasks, has been used to"
            " evaluate models in a wide range of tasks, has been used to evaluate models in a"
            " wide range of tasks.",
            "repetition",
        ),
        (CLEAN + "\n\nSWITCH also lowers the latency of", "truncated"),
        ("Here is a short section about the paper: " + CLEAN, "prompt_echo"),
        (CLEAN + " Write one section of 90 to 150 words about this paper.", "prompt_echo"),
        ("_Extractive summary: sentences taken from the abstract, no model was used._\n\n"
         + CLEAN, "label"),
    ],
)  # fmt: skip
def test_each_kind_of_fault_is_caught(text: str, kind: str) -> None:
    assert kind in _kinds(text)


def test_a_theme_the_draft_no_longer_has_is_flagged() -> None:
    intro = "Here are this week's research highlights, with a focus on Language and LLMs."
    assert "stale_theme" in _kinds(intro, stale_themes=["Language and LLMs"])
    assert "stale_theme" not in _kinds(intro, stale_themes=["Long Context"])


def test_an_editors_free_text_is_checked_for_what_needs_no_source() -> None:
    findings = check(text="NEKO trained on 7 datasets. TODO: link", sources=None)
    assert {f["kind"] for f in findings} == {"label", "truncated"}
