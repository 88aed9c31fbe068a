"""Extractive writing: sections, notes, intro and overview from the sources' own sentences.

No model is involved. A paper's section is built from its abstract's sentences chosen by
*role*, in the order a roundup tells a paper (the seeds' shape):

* ``problem``: what is missing or hard ("remains", "struggle", "costly", "however");
* ``contribution``: what the authors make ("we propose", "this paper introduces");
* ``method``: how it works ("consists of", "by combining", "uses");
* ``result``: what they found, with a number ("improves ... by 12%", "outperforms");
* ``enables``: why it matters ("enables", "paves the way", "code is available").

A sentence is then made to stand on its own: a leading connective ("Moreover,",
"Motivated by this,", "To this end,") is removed, "we"/"our" become "the authors"/"their",
a sentence that still opens on a bare reference ("It", "These results") is skipped, and
the first use of an acronym the abstract defines gets its long form. Every sentence stays
the abstract's own claim, so the grounding check still finds its evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from papers.text import latex_to_text, split_sentences
from writing.grounding import STOP_WORDS

ROLES = ("problem", "contribution", "method", "result", "enables")

_CUES: dict[str, re.Pattern[str]] = {
    "problem": re.compile(
        r"\b(however|remain(s|ed)?|struggl|challeng|limit(ed|ation)|lack|costly|expensive"
        r"|bottleneck|difficult|problem|fail(s|ed|ure)?|suffer|unclear|open question"
        r"|underexplored|hinder|prohibitive|issue|gap)\w*",
        re.IGNORECASE,
    ),
    "contribution": re.compile(
        r"\b(we (propose|introduce|present|develop|design|build|release|construct|formulate"
        r"|curate|create|offer|describe)|(this|the present) (paper|work|study|article|report)"
        r" (propose|introduce|present|develop|describe)|in this (paper|work), we"
        r"|(the authors|they|researchers) (propose|introduce|present|develop|design|build)"
        r"|(proposes|introduces|presents))",
        re.IGNORECASE,
    ),
    "method": re.compile(
        r"\b(consists? of|by (using|leveraging|combining|training|learning|introducing)"
        r"|based on|uses|leverag|combin|relies on|builds? on|framework|architecture|module"
        r"|pipeline|mechanism|first .* then)\w*",
        re.IGNORECASE,
    ),
    "result": re.compile(
        r"\b(achiev|outperform|improv|reduc|surpass|exceed|reach|match|beat|gain|speed"
        r"|accura|state-of-the-art|sota|results? (show|demonstrate)|experiments?"
        r"|evaluat|faster|fewer|lower|higher|better)\w*",
        re.IGNORECASE,
    ),
    "enables": re.compile(
        r"\b(enabl|allow|pav(e|es|ing) the way|open(s|ing)? (up|new|the door)|facilitat"
        r"|make[s]? it possible|implication|suggest|practical|deploy|publicly available"
        r"|code (is|and)|release|available at|future)\w*",
        re.IGNORECASE,
    ),
}
_NUMBER = re.compile(r"\d")
# A connective that leans on the sentence before: removed, the rest kept.
_LEADING_CONNECTIVE = re.compile(
    r"^(?:(?:however|moreover|furthermore|additionally|in addition|therefore|thus|hence"
    r"|consequently|accordingly|as a result|specifically|in particular|notably|importantly"
    r"|crucially|finally|further|besides|instead|meanwhile|overall|together|then|here"
    r"|first(?:ly)?|second(?:ly)?|third(?:ly)?|lastly|to this end|in this (?:paper|work|study)"
    r"|in response|in contrast|by contrast|on the other hand|nevertheless|nonetheless"
    r"|surprisingly|interestingly|empirically|concretely|formally|practically|beyond (?:this|that)"
    r"|(?:motivated|inspired|driven|guided|informed) by (?:this|these|that|such)[^,]{0,60}"
    r"|(?:to (?:address|tackle|overcome|solve|fill|bridge|close|mitigate|remedy|resolve))"
    r" (?:this|these|that|those|such|the above|both|them|it)[^,]{0,60}"
    r"|(?:building|based|relying) on (?:this|these|that|such)[^,]{0,60}"
    r"|(?:given|with) (?:this|these|that|such)[^,]{0,60})"
    # any short opening clause that points back: "To comprehensively study this limitation,"
    r"|(?:to|in|by|for|with|given|building|motivated|inspired|based|driven|following|as"
    r"|since|because|despite|although|while|unlike|beyond|toward|towards)\b[^,]{0,70}?"
    r"\b(?:this|these|that|those|such|it|them)\b[^,]{0,40}),\s+",
    re.IGNORECASE,
)
# Opening on a bare reference to the sentence before: cannot stand alone.
_DANGLING = re.compile(
    r"^(?:(?:since|because|as|while|although|when|if) (?:it|they|this|these)\b"
    r"|(?:it|its|they|their|these|those|this|that|such|both|the former|the latter|which"
    r"|here|there|thus)\b)"
    r"(?! (?:paper|work|study|article|report|survey|benchmark|dataset)\b)",
    re.IGNORECASE,
)
_SELF_REFERENCE = re.compile(
    r"^(?:This|It|Our (?:method|approach|model|framework|system)"
    r"|This (?:method|approach|model|framework|system|design|technique))(?= [a-z]+s\b)"
)
_NAMED = re.compile(
    r"\b(?:propose|introduce|present|develop|design|build|release)s?\s+(?:an? |the )?"
    r"([A-Z][\w-]*[A-Z0-9][\w-]*)\b"
)
_ACRONYM_DEFINITION = re.compile(r"((?:[\w'-]+\s+){1,8}?[\w'-]+)\s+\(([A-Z][\w-]*[A-Z][\w-]*)s?\)")
_ACRONYM = re.compile(r"\b([A-Z][a-z]?[A-Z][\w-]*)\b")
_MAX_SENTENCE = 420


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    roles: frozenset[str]


def sentence_roles(text: str) -> frozenset[str]:
    """The roles a sentence can play (a result needs a number)."""
    roles = {role for role, cue in _CUES.items() if cue.search(text)}
    if _MEASURE.search(text):
        roles.add("result")
    if "result" in roles and not _NUMBER.search(text):
        roles.discard("result")
    return frozenset(roles)


def abstract_sentences(abstract: str) -> list[Sentence]:
    text = latex_to_text(abstract)
    return [
        Sentence(index=i, text=span.text, roles=sentence_roles(span.text))
        for i, span in enumerate(split_sentences(text))
    ]


def standalone(text: str, *, name: str = "") -> str | None:
    """The sentence made to stand on its own, or None when it cannot be.

    ``name``: what the paper calls its contribution ("PEER"); "This enables ..." and
    "Our method reaches ..." then become "PEER enables ...", "PEER reaches ...".
    """
    text = text.strip()
    stripped = _LEADING_CONNECTIVE.sub("", text, count=1)
    if stripped != text:
        stripped = stripped[:1].upper() + stripped[1:]
    if name:
        stripped = _SELF_REFERENCE.sub(name, stripped, count=1)
    if _DANGLING.match(stripped) or len(stripped) > _MAX_SENTENCE or len(stripped) < 25:
        return None
    if not re.search(r"[.!?][\"')\]]*$", stripped):  # arXiv's last sentence often has none
        stripped += "."
    return third_person(stripped)


def contribution_name(text: str) -> str:
    """The name a contribution sentence gives ("We introduce PEER, ..." -> "PEER")."""
    match = _NAMED.search(text)
    return match[1] if match else ""


def third_person(text: str) -> str:
    """ "We propose ... our model" -> "The authors propose ... their model"."""
    text = re.sub(r"^In this (paper|work|study), we\b", "The authors", text)
    text = re.sub(r"^We\b", "The authors", text)
    text = re.sub(r"^Our\b", "Their", text)
    text = re.sub(r"\bwe\b", "they", text)
    text = re.sub(r"\bour\b", "their", text)
    text = re.sub(r"\bours\b", "theirs", text)
    return re.sub(r"\bus\b", "them", text)


def acronym_definitions(text: str) -> dict[str, str]:
    """Acronyms the text defines, with their long form: {"MoD": "Mixture of Depths"}."""
    found: dict[str, str] = {}
    for match in _ACRONYM_DEFINITION.finditer(text):
        words, acronym = match[1].split(), match[2]
        initial = acronym[0].casefold()
        # The long form starts at the last word that begins with the acronym's initial
        # and is long enough to spell it ("we introduce Collective Switched Motion").
        for start in range(len(words)):
            candidate = words[start:]
            if (
                candidate[0][0].casefold() == initial
                and len(candidate) >= min(len(re.sub(r"[^A-Z]", "", acronym)), 8) - 1
            ):
                found.setdefault(acronym, " ".join(candidate))
                break
    return found


def introduce_acronyms(sentences: list[str], definitions: dict[str, str]) -> list[str]:
    """Give the first use of each defined acronym its long form, once."""
    introduced: set[str] = set()
    out = []
    for sentence in sentences:
        for acronym in dict.fromkeys(_ACRONYM.findall(sentence)):
            long = definitions.get(acronym)
            if long is None or acronym in introduced:
                continue
            introduced.add(acronym)
            if f"({acronym})" in sentence or long.casefold() in sentence.casefold():
                continue
            sentence = re.sub(
                rf"\b{re.escape(acronym)}\b", f"{long} ({acronym})", sentence, count=1
            )
        out.append(sentence)
    return out


@dataclass(frozen=True)
class Section:
    paragraphs: list[list[str]]
    used: frozenset[int]  # indexes of the abstract sentences used
    name: str = ""  # what the paper calls its contribution, when it names it

    @property
    def markdown(self) -> str:
        return "\n\n".join(" ".join(p) for p in self.paragraphs if p)


_MEASURE = re.compile(r"\d(?:[\d.,]*)\s?(?:%|×|x\b|points?\b|pp\b|times\b)")


def _result_strength(text: str) -> int:
    """Measured gains count double: "+12.5%" says more than "20 models"."""
    return len(_NUMBER.findall(text)) + 2 * len(_MEASURE.findall(text))


def _vary_subjects(sentences: list[str]) -> list[str]:
    """ "The authors ..." once; after it, "They ..."."""
    out, seen = [], False
    for sentence in sentences:
        if sentence.startswith("The authors "):
            if seen:
                sentence = "They " + sentence[len("The authors ") :]
            seen = True
        out.append(sentence)
    return out


def _pick(
    sentences: Sequence[Sentence],
    role: str,
    used: set[int],
    *,
    prefer_number: bool = False,
    name: str = "",
) -> Sentence | None:
    candidates = [s for s in sentences if role in s.roles and s.index not in used]
    if prefer_number:
        candidates.sort(key=lambda s: (-_result_strength(s.text), s.index))
    for sentence in candidates:
        if standalone(sentence.text, name=name) is not None:
            return sentence
    return None


def section_from_abstract(abstract: str) -> Section:
    """Problem and contribution, then how it works and its results, then what it enables."""
    sentences = abstract_sentences(abstract)
    if not sentences:
        return Section(paragraphs=[], used=frozenset())
    used: set[int] = set()
    # A short abstract keeps a result back for the Pulse note, so the note adds something.
    results = [("result", True)] * (2 if len(sentences) >= 6 else 1)
    plan = [[("contribution", False)], [("method", False), *results], [("enables", False)]]
    chosen: list[list[Sentence]] = []
    name = ""
    for paragraph in plan:
        picked = []
        for role, prefer_number in paragraph:
            sentence = _pick(sentences, role, used, prefer_number=prefer_number, name=name)
            if sentence is not None:
                name = name or contribution_name(sentence.text)
                used.add(sentence.index)
                picked.append(sentence)
        chosen.append(sorted(picked, key=lambda s: s.index))
    contribution = chosen[0][0].index if chosen[0] else len(sentences)
    # The problem comes before the contribution, as in the abstract itself.
    problem = _pick([s for s in sentences if s.index < contribution], "problem", used)
    first = sentences[0]
    if problem is None and contribution > 0 and first.index not in used and standalone(first.text):
        problem = sentences[0]
    if problem is not None:
        used.add(problem.index)
        chosen[0].insert(0, problem)
    if not chosen[0]:  # no cue says what the paper does: its first "We ..." or first one
        free = [s for s in sentences if standalone(s.text) and s.index not in used]
        fallback = next((s for s in free if s.text.startswith("We ")), free[0] if free else None)
        if fallback is not None:
            used.add(fallback.index)
            chosen[0].append(fallback)
    definitions = acronym_definitions(" ".join(s.text for s in sentences))
    flat = [standalone(s.text, name=name) or s.text for paragraph in chosen for s in paragraph]
    rewritten = iter(_vary_subjects(introduce_acronyms(flat, definitions)))
    paragraphs = [[next(rewritten) for _ in paragraph] for paragraph in chosen]
    return Section(paragraphs=[p for p in paragraphs if p], used=frozenset(used), name=name)


def note_from_abstract(
    abstract: str, *, section_used: frozenset[int], extra: str = "", name: str = ""
) -> str:
    """One or two sentences the section did not say: a further result, else what it enables.

    ``extra`` (Hugging Face's summary) is the fallback when the section used every sentence.
    """
    sentences = [s for s in abstract_sentences(abstract) if s.index not in section_used]
    for role, prefer_number in (("result", True), ("enables", False), ("method", False)):
        sentence = _pick(sentences, role, set(), prefer_number=prefer_number, name=name)
        if sentence is not None:
            return standalone(sentence.text, name=name) or sentence.text
    for sentence in sentences:
        if (text := standalone(sentence.text, name=name)) is not None:
            return text
    spans = split_sentences(latex_to_text(extra))
    return spans[0].text if spans else ""


# --- the front: intro and overview ------------------------------------------------------

_GENERIC_WORDS = """
million billion trillion thousand hundred token tokens times even without
model models language large learning based using data method methods approach task
tasks results performance framework system systems paper work study new propose
proposed show existing across multiple different training neural network networks
via however while also well first two three one novel various specific given often
these their this that which with from into over under between through such more most
than both each other significantly state art benchmark benchmarks evaluation
experiments achieve improve problem problems approaches can may use used real world
code available including
"""
_GENERIC = frozenset(_GENERIC_WORDS.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")


def shared_terms(texts: Sequence[str], *, minimum: int = 2) -> list[tuple[str, int]]:
    """Terms found in at least ``minimum`` texts, most shared first, as the texts write them."""
    per_text: list[set[str]] = []
    surface: Counter[str] = Counter()
    for text in texts:
        words = _WORD.findall(text)
        surface.update(words)
        per_text.append({w.casefold() for w in words if w.casefold() not in _GENERIC | STOP_WORDS})
    counts = Counter(word for words in per_text for word in words)
    forms: dict[str, str] = {}
    for form, _ in surface.most_common():
        forms.setdefault(form.casefold(), form)
    ranked = sorted((w for w, n in counts.items() if n >= minimum), key=lambda w: (-counts[w], w))
    return [(forms[w], counts[w]) for w in ranked]


def display_term(term: str, texts: Sequence[str]) -> str:
    """A keyword as the texts write it ("llms" -> "LLMs"), capitalised."""
    forms = Counter(w for text in texts for w in _WORD.findall(text) if w.casefold() == term)
    form = forms.most_common(1)[0][0] if forms else term
    return form[:1].upper() + form[1:]


_COUNT_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def count_word(n: int) -> str:
    return _COUNT_WORDS[n] if 0 <= n < len(_COUNT_WORDS) else str(n)


def intro_text(*, theme: str, paper_texts: Sequence[str], trending_count: int | None) -> str:
    """The intro: the theme, what the chosen papers share, and only what the data shows.

    ``trending_count``: how many of the papers were on the week's trending list; None
    when the week has no trending data (then the intro says nothing about popularity).
    """
    total = len(paper_texts)
    parts = [f"Here are this week's research highlights, with a focus on {theme}."]
    shared = [(t, n) for t, n in shared_terms(paper_texts) if t.casefold() not in theme.casefold()]
    if shared and total > 1:
        (first, n1), *rest = shared
        clause = (
            ("Both papers" if total == 2 else f"All {count_word(total)} papers")
            if n1 == total
            else f"{count_word(n1).capitalize()} of the {count_word(total)} papers"
        )
        clause += f" deal with {first}"
        if rest and rest[0][1] >= 2:
            clause += f", {count_word(rest[0][1])} with {rest[0][0]}"
        parts.append(clause + ".")
    if trending_count:
        noun = "was" if trending_count == 1 else "were"
        parts.append(
            f"{count_word(trending_count).capitalize()} of them {noun} on the week's"
            " trending list on Hugging Face."
        )
    return " ".join(parts)


@dataclass(frozen=True)
class TopicFact:
    """A week's topic as the overview states it: name, size, size the week before."""

    name: str
    size: int
    previous_size: int | None


def overview_text(*, paper_count: int, topics: Sequence[TopicFact]) -> str:
    """The Pulse overview: the week's largest topics, what is new and what grew."""
    if not topics:
        return "A quieter week: no topic stood out, so the papers below are this week's picks."
    named = [f"{t.name} ({t.size} paper{'' if t.size == 1 else 's'})" for t in topics[:3]]
    largest = "the largest topics were " if len(named) > 1 else "the largest topic was "
    lead = f"This week, {paper_count} papers were announced; " if paper_count else "This week, "
    parts = [lead + largest + _series(named) + "."]
    # "New" only means something when the week before was clustered too.
    history = any(t.previous_size is not None for t in topics)
    new = [t.name for t in topics if t.previous_size is None] if history else []
    grown = [t for t in topics if t.previous_size is not None and t.size > t.previous_size]
    if new:
        parts.append(f"New this week: {_series(new[:2])}.")
    if grown:
        best = max(grown, key=lambda t: t.size - (t.previous_size or 0))
        parts.append(
            f"{best.name} grew from {best.previous_size} to {best.size} papers"
            " over the week before."
        )
    return " ".join(parts)


def _series(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
