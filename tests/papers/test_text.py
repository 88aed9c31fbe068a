from __future__ import annotations

import pytest

from papers.text import (
    first_sentence,
    latex_prose_to_text,
    latex_to_text,
    normalize_author_name,
    split_sentences,
)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("We study $\\alpha$-divergences", "We study α-divergences"),
        ("in 50% of cases, A&B #1", "in 50% of cases, A&B #1"),
        ("saves 50\\% of compute", "saves 50% of compute"),
        ("G\\\"odel and Poincar\\'e", "Gödel and Poincaré"),
        ('M\\"{u}ller, Erd\\H{o}s', "Müller, Erdős"),
        ("a \\textbf{bold {nested} claim}", "a bold nested claim"),
        ("$\\mathcal{L}_{\\text{CE}}$ loss", "ℒ_CE loss"),
        ("hard\n  wrapped   line", "hard wrapped line"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("an unclosed $x and a trailing \\", "an unclosed $x and a trailing \\"),
        ("", ""),
        # Residue seen on the site and in drafts (issue 24), from real sample abstracts.
        ("varies by up to {approx}5{times} across", "varies by up to ≈5× across"),
        ("we show (i)~the bound and~(ii)~its use", "we show (i) the bound and (ii) its use"),
        ("the dual of Quantum Construction~X to", "the dual of Quantum Construction X to"),
        (
            "over $\\mathbb{F}_2 \\times (\\mathbb{F}_2+v\\mathbb{F}_2)$",
            "over 𝔽₂ × (𝔽₂+v𝔽₂)",
        ),
        ("tops out at $|\\rho|\\!\\approx\\!0.76$", "tops out at |ρ|≈0.76"),
        ("a speedup of ${\\sim}3\\times$ over", "a speedup of ∼3× over"),
        ("($0.3$--$0.5$) and---as said", "(0.3–0.5) and—as said"),
        ("the \\emph{key} idea~\\cite{smith20}.", "the key idea."),
        (
            "code at \\href{https://github.com/a/b}{this link}",
            "code at this link (https://github.com/a/b)",
        ),
        ("code at \\url{https://github.com/a/b~c}", "code at https://github.com/a/b~c"),
        ("i.e.\\ inherent, {BERT} and x^2", "i.e. inherent, BERT and x²"),
        ("costs ~5% less, model_2b and {Theorem}", "costs ~5% less, model_2b and Theorem"),
    ],
)
def test_latex_is_rendered_as_readable_text_and_prose_is_kept(raw: str, text: str) -> None:
    assert latex_to_text(raw) == text


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (
            "by Construction~X with $a<b$ and $$E = mc^2$$.",
            "by Construction X with $a<b$ and $$E = mc^2$$.",
        ),
        ("up to {approx}5{times} when \\(x_1\\) grows", "up to ≈5× when \\(x_1\\) grows"),
        ("$\\alpha$-divergences~\\cite{a}, \\emph{tight}", "$\\alpha$-divergences, tight"),
        ("no math at all", "no math at all"),
    ],
)
def test_prose_is_rendered_around_math_kept_for_katex(raw: str, text: str) -> None:
    assert latex_prose_to_text(raw) == text


def test_author_names_are_normalised_by_case_width_and_spacing() -> None:
    assert normalize_author_name("  José   RAMÍREZ ") == normalize_author_name("josé ramírez")
    assert normalize_author_name("Ｊａｎｅ Doe") == "jane doe"


def test_sentences_split_at_full_stops_but_not_after_abbreviations() -> None:
    spans = split_sentences("We beat e.g. BERT by 2.5 points. It is fast. See Fig. 2 too.")
    assert [s.text for s in spans] == [
        "We beat e.g. BERT by 2.5 points.",
        "It is fast.",
        "See Fig. 2 too.",
    ]


def test_the_card_summary_the_email_line_and_the_drafts_cut_sentences_alike() -> None:
    from mailing.selectors import one_line
    from reader.cards import card_summary
    from writing.extractive import abstract_sentences

    abstract = "We beat e.g. BERT by 2.5 points!\nIt is fast. See Fig. 2 too."
    assert first_sentence(abstract) == "We beat e.g. BERT by 2.5 points!"
    assert card_summary(abstract) == one_line(abstract) == "We beat e.g. BERT by 2.5 points!"
    assert abstract_sentences(abstract)[0].text == "We beat e.g. BERT by 2.5 points!"


def test_card_summaries_and_email_lines_render_latex_from_hugging_face_summaries() -> None:
    from mailing.selectors import one_line
    from reader.cards import card_summary

    summary = "Compute cost varies by up to {approx}5{times} across categories."
    assert (
        card_summary(summary)
        == one_line(summary)
        == ("Compute cost varies by up to ≈5× across categories.")
    )
