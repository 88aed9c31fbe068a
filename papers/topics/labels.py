"""Topic names from distinctive phrases: class-based TF-IDF over n-grams.

c-TF-IDF (as in BERTopic) treats each topic's papers as one document: a term's weight is
its frequency in the topic times log(1 + A / f), where A is the average number of terms
per topic and f the term's frequency over all topics. The terms are phrases of one to
three words that never cross a stop word or punctuation ("large language models", not
"models propose"), and a phrase that most topics use (in ``COMMON_SHARE`` of the papers of
over half the topics) is dropped: words every abstract of the week uses name no topic.
Terms keep the casing authors write most often ("LLMs", "3D Gaussian splatting"), so names
read as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np

LABEL_TERMS = 4
MAX_WORDS = 3
COMMON_SHARE = 0.1
MIN_PAPERS = 2
PHRASE_BONUS = 2.0


def _word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words every abstract uses: they would top every topic's list and say nothing.
ABSTRACT_STOP_WORDS = _word_list(
    """paper propose proposed proposes present presents approach approaches method methods
    results result based using use used uses new novel work study studies show shows shown
    demonstrate demonstrates existing achieve achieves achieving performance state art
    experiments experimental extensive significantly significant furthermore additionally
    address addresses problem problems code available introduce introduces key challenge
    challenges task tasks model models framework frameworks data stage current recent limited
    including github com https http www via across within without despite however moreover
    thus therefore while whereas also well often may can could would various different
    specific several many multiple two three first second outperforms outperform superior
    effective effectively efficient efficiently improve improves improved improving
    enable enables enabling leverage leverages leveraging propose design designed paradigm
    remains remain crucial critical important promising widely comprehensive robust
    strong consistently consistent substantially substantial respectively benchmark
    benchmarks evaluation evaluate evaluated evaluations baseline baselines capability
    capabilities setting settings module modules strategy strategies analysis towards
    toward one able allows allow allowing given make makes making provides provide
    providing ensure ensures real world large scale level high low end"""
)
# Words a research heading may contain but that cannot carry it alone: a name made only
# of these ("Learning", "Language models, training") says nothing about its topic.
GENERIC_RESEARCH_WORDS = _word_list(
    """ai learning model models language large training data evaluation llm llms neural
    network networks deep machine method methods system systems approach framework
    performance task tasks generation reasoning analysis algorithm algorithms benchmark
    problem problems optimization information representation representations study
    research application applications design inference prediction classification
    detection dataset datasets tool tools efficient efficiency robust
    robustness accuracy quality knowledge feature features structure structures process
    processing based novel new results paper theory time"""
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|[0-9]+[A-Za-z][A-Za-z0-9-]*")
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”]|\s[-–—]\s")


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | ABSTRACT_STOP_WORDS


def phrases(text: str, *, stop: frozenset[str], max_words: int = MAX_WORDS) -> Iterator[str]:
    """Lower-cased n-grams of 1 to ``max_words`` words that cross no stop word or break."""
    for fragment in _BREAK.split(text):
        run: list[str] = []
        for word in [*_WORD.findall(fragment), ""]:
            lower = word.lower()
            if lower and lower not in stop and not lower.isdigit():
                run.append(lower)
                continue
            for size in range(1, max_words + 1):
                for start in range(len(run) - size + 1):
                    yield " ".join(run[start : start + size])
            run = []


def ctfidf_keywords(
    *, texts: Sequence[str], labels: Sequence[int], top_n: int = LABEL_TERMS
) -> dict[int, list[str]]:
    """Top ``top_n`` distinctive phrases per label, best first, in their usual casing."""
    from sklearn.feature_extraction.text import CountVectorizer

    classes = sorted(set(labels))
    stop = _stop_words()
    # A phrase must recur (MIN_PAPERS); a tiny corpus keeps every phrase, or nothing would
    # be left to name its topics with.
    vectorizer = CountVectorizer(
        analyzer=lambda text: list(dict.fromkeys(phrases(text, stop=stop))),
        min_df=1 if len(texts) < 40 else MIN_PAPERS,
    )
    try:
        per_paper = vectorizer.fit_transform(texts)
    except ValueError:  # only stop words: no vocabulary
        return {c: [] for c in classes}
    membership = np.array([classes.index(label) for label in labels])
    counts = np.zeros((len(classes), per_paper.shape[1]))
    for row, cls in enumerate(membership):
        start, end = per_paper.indptr[row], per_paper.indptr[row + 1]
        counts[cls, per_paper.indices[start:end]] += per_paper.data[start:end]
    counts[:, _common(counts, np.bincount(membership, minlength=len(classes)))] = 0.0
    terms = [str(term) for term in vectorizer.get_feature_names_out()]
    # A phrase outranks its single words well below their weight: "video
    # generation" says what "video" and "generation" say apart.
    words = np.array([1.0 + PHRASE_BONUS * term.count(" ") for term in terms])
    weights = _ctfidf(counts) * words
    chosen = {c: _distinct_top(terms, weights[i], top_n) for i, c in enumerate(classes)}
    return {
        c: [
            usual_casing(term, [t for t, lab in zip(texts, labels, strict=True) if lab == c])
            for term in chosen[c]
        ]
        for c in classes
    }


def _common(counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Phrases the week's papers use whatever their topic: in ``COMMON_SHARE`` or more of
    the papers of over half the topics (with three topics or more)."""
    if len(counts) < 3:
        return np.zeros(counts.shape[1], dtype=bool)
    share = counts / np.maximum(sizes, 1)[:, None]
    return np.asarray((share >= COMMON_SHARE).sum(axis=0) > len(counts) / 2)


def usual_casing(term: str, texts: Sequence[str]) -> str:
    """``term`` as the texts write it most often outside titles and sentence starts.

    "llms" becomes "LLMs", "gaussian splatting" stays "Gaussian splatting" only if authors
    capitalise it mid-sentence; a title's Title Case is not counted (texts are "title. abstract").
    """
    spaced = r"\s+".join(re.escape(word) for word in term.split())
    pattern = re.compile(rf"(?<![\w-]){spaced}(?![\w-])", re.IGNORECASE)
    inside: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for text in texts:
        title_end = text.find(". ")
        for match in pattern.finditer(text):
            form = " ".join(match.group(0).split())
            anywhere[form] += 1
            before = text[: match.start()].rstrip()
            if match.start() > title_end >= 0 and before and before[-1] not in ".!?:":
                inside[form] += 1
    forms = inside or anywhere
    return forms.most_common(1)[0][0] if forms else term


def topic_name(keywords: Sequence[str]) -> str:
    """A heading from the best phrases: "Video diffusion", "LLM agents, tool use".

    The first phrase leads; a second one is added when the first is a single word or is
    made only of generic research words, since alone it would not say which topic it is.
    """
    if not keywords:
        return "(no keywords)"
    parts = [keywords[0]]
    if len(keywords) > 1 and (len(keywords[0].split()) == 1 or is_generic(keywords[0])):
        parts.append(keywords[1])
    return capitalised(", ".join(parts))


def keyword_label(keywords: Sequence[str]) -> str:
    """The label shown when no human label exists (kept for callers of the old name)."""
    return topic_name(keywords)


def capitalised(text: str) -> str:
    """First letter up unless the first word is written with care ("iPhone", "LLMs")."""
    first = text.split(" ", 1)[0]
    if any(ch.isupper() for ch in first[1:]) or any(ch.isdigit() for ch in first):
        return text
    return text[:1].upper() + text[1:]


def is_generic(name: str) -> bool:
    """Whether every word of ``name`` is a generic research word (or a stop word)."""
    words = [w.lower() for w in _WORD.findall(name)]
    stop = _stop_words()
    return all(
        w in GENERIC_RESEARCH_WORDS or w in stop or _singular(w) in GENERIC_RESEARCH_WORDS
        for w in words
    )


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _ctfidf(counts: np.ndarray) -> np.ndarray:
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    average_terms = counts.sum() / max(len(counts), 1)
    idf = np.log(1.0 + average_terms / np.maximum(counts.sum(axis=0), 1.0))
    return np.asarray(tf * idf)


def _distinct_top(terms: Sequence[str], weights: np.ndarray, top_n: int) -> list[str]:
    """Best terms, skipping one whose words an earlier pick already says ("model" after
    "language model") and a shorter term that a later, longer one only extends."""
    chosen: list[str] = []
    said: set[str] = set()
    for index in np.argsort(-weights, kind="stable")[: top_n * 10]:
        if weights[index] <= 0:
            break
        term = str(terms[index])
        words = _stems(term)
        if words <= said:
            continue
        chosen = [c for c in chosen if not _stems(c) < words]  # a phrase absorbs its words
        chosen.append(term)
        said |= words
        if len(chosen) == top_n:
            break
    return chosen


def _stems(term: str) -> set[str]:
    """Words with a plural "s" dropped, so "agent" and "agents" count as one."""
    return {_singular(word) for word in term.split()}
