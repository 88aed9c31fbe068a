"""Recall and false positives of the draft checker (``writing.checking``) on seeded faults.

    python -m benchmarks.draft_checker [--per-kind 60] [--seed 0]

Sections are written extractively from real abstracts of the bundled sample (June 2026
arXiv listings); each fault kind is seeded into a different section per case, the way the
faults were seen in real drafts (issue 24): an invented number, year, venue, organisation
or name; a negation or a direction flipped against the abstract; a sentence or phrase
repeated; a text cut mid-sentence; the prompt or a preamble echoed; an editor's label
left in; an intro naming the theme the editor replaced. Every case is checked against its
own paper's sources. Recall is per kind (a case counts when a finding of its kind is
raised); false positives are the clean sections' and intros' sentences with any blocking
finding. The abstracts are split in two: the checker's rules were tuned on the ``dev``
half; the ``test`` half is reported as the result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import Benchmark, setup_django

SAMPLE = Path(__file__).resolve().parent.parent / "papers" / "sample" / "arxiv-daily-listings"

ORGS = [
    "Google DeepMind", "OpenAI", "Meta AI", "Microsoft Research", "Stanford University",
    "the University of California, San Francisco (UCSB)", "Tsinghua University", "NVIDIA",
    "Carnegie Mellon University", "the Allen Institute", "Alibaba", "Anthropic", "MIT",
    "ETH Zurich", "the University of Oxford", "Huawei Noah's Ark Lab", "Apple", "Baidu",
]  # fmt: skip
VENUES = ["ICML", "NeurIPS", "ICLR", "ACL", "EMNLP", "CVPR", "AAAI", "ICCV", "KDD", "NAACL"]
PEOPLE = [
    "Jane Smith", "Wei Zhang", "Maria Garcia", "John Miller", "Priya Patel", "Lars Nielsen",
    "Sofia Rossi", "Kenji Tanaka", "Amara Okafor", "David Cohen", "Elena Petrova",
]  # fmt: skip
MODELS = ["GPT-7", "SuperNet-X", "LLaMA-9", "OmniBERT", "DeepFlowV2", "MegaTron-3"]
ECHOES = [
    "Here is a short section about the paper: ",
    "Sure! ",
    "Abstract: ",
    "Here's the summary you asked for. ",
    "As an AI, I can summarise this paper. ",
    "Summary: ",
]
ECHO_TAILS = [
    " Write one section of 90 to 150 words about this paper.",
    " In two or three plain-spoken sentences, this tells a busy researcher why it matters.",
    " Quote numbers exactly as the abstract gives them.",
    " I hope this helps!",
    " Based on the abstract, the method is promising.",
]
LABELS = [
    "_Extractive summary: sentences taken from the abstract, no model was used._",
    "TODO: check the numbers.",
    "[citation needed]",
    "Editor's note: rewrite this.",
    "FIXME",
    "Lorem ipsum dolor sit amet.",
]
SWAPS = [
    ("more", "less"), ("less", "more"), ("fewer", "more"), ("higher", "lower"),
    ("lower", "higher"), ("improves", "degrades"), ("improve", "degrade"),
    ("outperforms", "underperforms"), ("outperform", "underperform"),
    ("increases", "decreases"), ("reduces", "increases"), ("reduce", "increase"),
    ("faster", "slower"), ("better", "worse"), ("larger", "smaller"), ("smaller", "larger"),
    ("best", "worst"), ("improved", "degraded"), ("reducing", "increasing"),
    ("improving", "degrading"), ("strong", "weak"),
]  # fmt: skip


def _negate_be(m: re.Match[str]) -> str:
    return "cannot" if m[1] == "can" else f"{m[1]} not"


def _negate_third_person(m: re.Match[str]) -> str:
    return f"does not {m[1][:-1]}"


def _negate_plural(m: re.Match[str]) -> str:
    return f"do not {m[1]}"


NEGATABLE: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (r"\b(is|are|was|were|can)\b", _negate_be),
    (r"\b(improves|outperforms|achieves|reduces|enables|shows|yields|reaches)\b",
     _negate_third_person),
    (r"\b(improve|outperform|achieve|reduce|enable|show|yield|reach)\b", _negate_plural),
]  # fmt: skip


@dataclass(frozen=True)
class Paper:
    arxiv_id: str
    title: str
    abstract: str
    comments: str


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    paper: Paper
    stale: tuple[str, ...] = ()
    theme: str = ""  # the draft's theme: the intro may name it


def sample_papers(limit: int, seed: int) -> list[Paper]:
    from papers.text import latex_to_text

    seen: dict[str, Paper] = {}
    for path in sorted(SAMPLE.glob("*/*.jsonl.gz")):
        with gzip.open(path, "rt") as lines:
            for line in lines:
                row = json.loads(line)
                if row["id"] not in seen and len(row.get("summary", "")) > 400:
                    seen[row["id"]] = Paper(
                        arxiv_id=row["id"],
                        title=latex_to_text(row["title"]),
                        abstract=latex_to_text(row["summary"]),
                        comments=row.get("comment") or "",
                    )
    papers = sorted(seen.values(), key=lambda p: p.arxiv_id)
    random.Random(seed).shuffle(papers)
    return papers[:limit]


def section_of(paper: Paper) -> str:
    from writing.services.drafting import extractive_section

    return extractive_section(abstract=paper.abstract)


def _sentences(text: str) -> list[str]:
    from papers.text import split_sentences

    return [s.text for s in split_sentences(text.replace("\n\n", " "))]


def _replace_sentence(text: str, old: str, new: str) -> str:
    return text.replace(old, new, 1)


# --- fault makers: each returns the faulty text, or None when the section cannot take it ---


def _number(text: str, rng: random.Random) -> str | None:
    numbers = list(re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", text))
    if numbers and rng.random() < 0.6:
        m = rng.choice(numbers)
        value = float(m[0]) * rng.choice([1.5, 2, 3, 0.5]) + rng.choice([1, 7, 13])
        new = f"{value:.1f}" if "." in m[0] else str(int(value))
        return text[: m.start()] + new + text[m.end() :]
    sentence = rng.choice(_sentences(text))
    added = rng.choice(
        [", improving accuracy by {n}%", ", with a {n}x speedup", " on {n} benchmarks"]
    ).format(n=rng.choice([17, 23.4, 41, 3.7, 64, 12.9]))
    return _replace_sentence(text, sentence, sentence[:-1] + added + sentence[-1])


def _year(text: str, rng: random.Random) -> str:
    year = rng.choice([2019, 2021, 2022, 2023, 2024, 2025])
    sentence = rng.choice(_sentences(text))
    new = rng.choice(
        [
            f"In {year}, " + sentence[0].lower() + sentence[1:],
            f"{sentence[:-1]} (published in {year}).",
        ]
    )
    return _replace_sentence(text, sentence, new)


def _venue(text: str, rng: random.Random) -> str:
    venue = rng.choice(VENUES)
    sentence = rng.choice(_sentences(text))
    new = rng.choice(
        [
            f"{sentence} The paper was accepted at {venue}.",
            f"{sentence[:-1]}, as presented at {venue}{rng.choice(['2023', ' 2024', ''])}.",
        ]
    )
    return _replace_sentence(text, sentence, new)


def _organisation(text: str, rng: random.Random) -> str:
    org = rng.choice(ORGS)
    sentence = rng.choice(_sentences(text))
    new = rng.choice(
        [
            f"Researchers at {org} report that " + sentence[0].lower() + sentence[1:],
            f"{sentence} The work comes from {org}.",
        ]
    )
    return _replace_sentence(text, sentence, new)


def _name(text: str, rng: random.Random) -> str:
    sentence = rng.choice(_sentences(text))
    if rng.random() < 0.5:
        new = f"{sentence} The study was led by {rng.choice(PEOPLE)}."
    else:
        new = f"{sentence} It is compared against {rng.choice(MODELS)}."
    return _replace_sentence(text, sentence, new)


def _negation(text: str, rng: random.Random) -> str | None:
    candidates = []
    for sentence in _sentences(text):
        if re.search(r"\b(not|no|never|cannot|without)\b|n't", sentence):
            continue
        for pattern, make in NEGATABLE:
            if m := re.search(pattern, sentence):
                candidates.append((sentence, sentence[: m.start()] + make(m) + sentence[m.end() :]))
                break
    if not candidates:
        return None
    old, new = rng.choice(candidates)
    return _replace_sentence(text, old, new)


def _direction(text: str, rng: random.Random) -> str | None:
    candidates = []
    for sentence in _sentences(text):
        for a, b in SWAPS:
            if re.search(rf"\b{a}\b", sentence):
                candidates.append((sentence, re.sub(rf"\b{a}\b", b, sentence, count=1)))
    if not candidates:
        return None
    old, new = rng.choice(candidates)
    return _replace_sentence(text, old, new)


def _repetition(text: str, rng: random.Random) -> str:
    sentences = _sentences(text)
    sentence = rng.choice(sentences)
    if rng.random() < 0.5:
        return text + "\n\n" + rng.choice(["", "Again, ", "In short, "]) + sentence
    words = sentence.rstrip(".").split()
    start = rng.randrange(max(1, len(words) - 6))
    phrase = " ".join(words[start : start + 6])
    return text + "\n\n" + ", and ".join([phrase] * rng.choice([3, 4, 5])) + "."


def _truncated(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    cut = max(3, int(len(words) * rng.uniform(0.45, 0.95)))
    return " ".join(words[:cut]).rstrip(".,;:!?")


def _echo(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(ECHOES) + text
    return text + rng.choice(ECHO_TAILS)


def _label(text: str, rng: random.Random) -> str:
    label = rng.choice(LABELS)
    return f"{label}\n\n{text}" if rng.random() < 0.5 else f"{text}\n\n{label}"


MAKERS: dict[str, Callable[[str, random.Random], str | None]] = {
    "number": _number,
    "year": _year,
    "venue": _venue,
    "organisation": _organisation,
    "name": _name,
    "negation": _negation,
    "direction": _direction,
    "repetition": _repetition,
    "truncated": _truncated,
    "prompt_echo": _echo,
    "label": _label,
}
THEMES = [
    "Long Context", "Retrieval and Scaling", "Agents and Tools", "Diffusion Models",
    "Reasoning", "Robotics", "Speech", "Code Generation", "Safety and Alignment", "Vision",
]  # fmt: skip


def _source(paper: Paper) -> object:
    from writing.grounding import Source

    return Source(
        arxiv_id=paper.arxiv_id, title=paper.title, abstract=paper.abstract, extra=paper.comments
    )


def cases_for(papers: list[Paper], per_kind: int, rng: random.Random) -> list[Case]:
    from writing.extractive import intro_text

    sections = {p.arxiv_id: section_of(p) for p in papers}
    cases: list[Case] = []
    for kind, make in MAKERS.items():
        made = 0
        for paper in rng.sample(papers, len(papers)):
            if made == per_kind:
                break
            if len(_sentences(sections[paper.arxiv_id])) < 2:
                continue
            faulty = make(sections[paper.arxiv_id], rng)
            if faulty is not None and faulty != sections[paper.arxiv_id]:
                cases.append(Case(kind=kind, text=faulty, paper=paper))
                made += 1
    for i in range(per_kind):
        group = rng.sample(papers, 4)
        old, new = rng.sample(THEMES, 2)
        texts = [f"{p.title} {p.abstract}" for p in group]
        intro = intro_text(theme=old, paper_texts=texts, trending_count=None)
        cases.append(
            Case(kind="stale_theme", text=intro, paper=group[i % 4], stale=(old,), theme=new)
        )
    return cases


def clean_texts(papers: list[Paper], rng: random.Random) -> list[Case]:
    from writing.extractive import intro_text

    clean = [Case(kind="", text=section_of(p), paper=p) for p in papers]
    for _ in range(len(papers) // 4):
        group = rng.sample(papers, 4)
        old, new = rng.sample(THEMES, 2)
        texts = [f"{p.title} {p.abstract}" for p in group]
        intro = intro_text(theme=new, paper_texts=texts, trending_count=None)
        clean.append(Case(kind="", text=intro, paper=group[0], stale=(old,), theme=new))
    return clean


def _findings(case: Case, papers: list[Paper]) -> list[dict[str, object]]:
    from writing.checking import check

    sources = [_source(case.paper)]
    if case.stale:  # an intro is checked against all the draft's papers
        sources = [_source(p) for p in papers if p.title in case.text] or sources
    return check(
        text=case.text,
        sources=sources,  # type: ignore[arg-type]
        stale_themes=case.stale,
        site_text=case.theme,
    )


def evaluate(bench: Benchmark, split: str, papers: list[Paper], per_kind: int, seed: int) -> None:
    rng = random.Random(seed)
    cases = cases_for(papers, per_kind, rng)
    for kind in [*MAKERS, "stale_theme"]:
        mine = [c for c in cases if c.kind == kind]
        caught = [c for c in mine if any(f["kind"] == kind for f in _findings(c, papers))]
        bench.record(
            f"{split}_{kind}_recall", len(caught) / max(1, len(mine)), unit=f"of {len(mine)}"
        )
        if split == "dev":
            for c in [c for c in mine if c not in caught][:2]:
                print(f"    missed {kind}: {c.text[:160]!r}")
    sentences = flagged = 0
    examples: list[tuple[str, str]] = []
    for case in clean_texts(papers, rng):
        found = [f for f in _findings(case, papers) if f.get("blocking")]
        for sentence in _sentences(case.text):
            sentences += 1
            hits = [
                f for f in found if str(f["text"])[:60] in sentence or sentence in str(f["text"])
            ]
            if hits:
                flagged += 1
                examples.append((str(hits[0]["kind"]), str(hits[0]["text"])))
    bench.record(f"{split}_clean_sentences", sentences)
    bench.record(f"{split}_false_positive_share", flagged / max(1, sentences), unit="sentences")
    if split == "dev":
        print("    false positive kinds:", dict(Counter(k for k, _ in examples)))
        for kind, text in examples[:14]:
            print(f"    false positive {kind}: {str(text)[:120]!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    args = parser.parse_args()
    setup_django()
    papers = sample_papers(limit=8 * args.per_kind, seed=args.seed)
    halves = {"dev": papers[0::2], "test": papers[1::2]}
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    with Benchmark("draft_checker", per_kind=args.per_kind, seed=args.seed) as bench:
        for split in splits:
            evaluate(bench, split, halves[split], args.per_kind, args.seed + len(split))


if __name__ == "__main__":
    main()
