"""The draft checker: what is wrong in a written text, before a reader sees it.

Run on every save and before publishing (``writing.services``); each finding is a flag
``{"kind", "text", "message", "blocking"}`` that blocks publishing until the text is
fixed or an editor accepts it. Pure functions over text and the sources; the kinds:

* facts not in the sources (``grounding.fact_flags``: titles, links, numbers) and here
  ``year``, ``venue``, ``organisation``, ``name`` (capitalised names and coined terms);
* ``negation`` and ``direction``: a sentence that says the opposite of the abstract
  sentence it rests on ("does not improve", "more memory" against "less memory");
* ``repetition`` (a sentence or a phrase said again), ``truncated`` (a text cut
  mid-sentence), ``prompt_echo`` (the instructions or the model's preamble),
  ``label`` (editor-facing text such as "Extractive summary"), ``stale_theme`` (a theme
  the draft no longer has).

Measured on seeded faults by ``benchmarks/draft_checker.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from papers.text import split_sentences
from writing import grounding

Flag = dict[str, object]

BLOCKING_KINDS = frozenset(
    [
        "title",
        "link",
        "number",
        "year",
        "venue",
        "organisation",
        "name",
        "negation",
        "direction",
        "repetition",
        "truncated",
        "prompt_echo",
        "label",
        "stale_theme",
    ]
)

_YEAR = re.compile(r"(?<![\w.])(?:19[5-9]\d|20[0-4]\d)(?![\w.])")
_VENUES = (
    "NeurIPS|NIPS|ICML|ICLR|ACL|EMNLP|NAACL|EACL|COLING|CVPR|ICCV|ECCV|AAAI|IJCAI|KDD|SIGIR"
    "|WWW|WSDM|CIKM|UAI|AISTATS|COLT|CoRL|RSS|ICRA|IROS|MICCAI|Interspeech|ICASSP|TACL|JMLR"
    "|TPAMI|TMLR|CHI|UIST|USENIX|OSDI|SOSP|MLSys|Nature|Science"
)
_VENUE = re.compile(rf"\b(?:{_VENUES})(?:\s?'?\d{{2,4}})?\b")
_ORG_WORD = (
    r"University|Institute|Laborator(?:y|ies)|Labs?|College|Academy|Foundation|Corporation"
    r"|Inc\.|Ltd\.?|Research|School"
)
_ORGANISATION = re.compile(
    rf"\b(?:(?:{_ORG_WORD}) of(?: [A-Z][\w&.-]*)+(?:, [A-Z][\w-]*(?: [A-Z][\w-]*)*)?"
    rf"|(?:[A-Z][\w&.-]*\s){{1,3}}(?:{_ORG_WORD})\b"
    r"|Google(?: DeepMind| Research| Brain)?|DeepMind|OpenAI|Anthropic|Meta AI|Meta|FAIR"
    r"|Microsoft(?: Research)?|NVIDIA|Nvidia|Apple|Amazon|IBM|Alibaba|Tencent|Baidu"
    r"|ByteDance|Huawei|Samsung|Mistral AI|Cohere|Hugging Face|Stanford|MIT|Berkeley|CMU"
    r"|Tsinghua|Peking|Oxford|Cambridge|ETH Zurich|EPFL|Mila|Allen Institute|AI2)\b"
)
# A capitalised run of words (a person or a product), or one coined term (CamelCase,
# an acronym, a word with digits) that the sources do not contain.
_PROPER_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
_COINED = re.compile(r"\b(?:[A-Z][a-z]*[A-Z][\w-]*|[A-Z]{2,}[\w-]*|[A-Za-z]+-?\d[\w.-]*)\b")
_KNOWN = """the a an this these that those their they it its in on of for with by from to and or
    but as at we our here pulse research digest log roundup ai paper papers authors week
    code similar read more arxiv introduction theme link github hugging face hf llm llms
    gpu gpus cpu nlp"""
_KNOWN_WORDS = frozenset(_KNOWN.split())
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|neither|nor|without|unable|fails? to|failed to|none)\b|n't\b",
    re.IGNORECASE,
)
_OPPOSITES = [
    ("more", "less"),
    ("more", "fewer"),
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("improve", "degrade"),
    ("improve", "worsen"),
    ("improve", "hurt"),
    ("higher", "lower"),
    ("faster", "slower"),
    ("better", "worse"),
    ("outperform", "underperform"),
    ("larger", "smaller"),
    ("gain", "loss"),
    ("best", "worst"),
    ("accelerate", "slow"),
    ("strong", "weak"),
    ("above", "below"),
    ("maximize", "minimize"),
    ("easier", "harder"),
    ("cheaper", "costlier"),
]
_WORD = re.compile(r"[A-Za-z]+")
_ENDINGS = ("izing", "ising", "ized", "ised", "izes", "ises", "ing", "ed", "es", "s", "d", "e")
_TERMINAL = re.compile(r"(?:[.!?:][\"'”’)\]*_`]*|https?://\S+)\s*$")
_TRAILING_LINK = re.compile(r"\s*(?:\[[^\]]*\]\([^)]*\)|<https?://[^>]+>)\s*$")
_ECHO = re.compile(
    r"(?:^|\b)(?:abstract:|title:|paper:|summary:|section:|answer:|output:|note:"
    r"|write (?:one|a|the|two|an)\b|you write\b|you are (?:a|an)\b|as an ai\b"
    r"|here (?:is|are) (?:the|a|an|my|your)\b|here's (?:the|a|an)\b|sure[,!]"
    r"|certainly[,!]|i (?:hope|can|will|would)\b|in (?:two|three|2|3)(?:\s|-)(?:or|to)"
    r"|(?:90|150|60) words|plain-spoken|busy researcher|no preamble|do not invent"
    r"|the abstract (?:says|states|given)|based on the abstract|from the abstract"
    r"|the (?:given|provided) (?:text|abstract|paper text))",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"extractive summary|sentences taken from the abstract|no model was used|\bTODO\b|\bTBD\b"
    r"|\bFIXME\b|\bXXX\b|\[citation needed\]|lorem ipsum|<insert|\bplaceholder\b"
    r"|editor'?s? note|\(draft\)|not written yet|written by the model|\[(?:number|name|link)\]",
    re.IGNORECASE,
)
_PROMPTS = Path(__file__).resolve().parent.parent / "templates" / "prompts"


def check(
    *,
    text: str,
    sources: Sequence[grounding.Source] | None,
    stale_themes: Iterable[str] = (),
    site_text: str = "",
) -> list[Flag]:
    """Every finding in ``text`` against ``sources`` (one paper's, or the draft's).

    ``sources`` None: an editor's free text with nothing to check facts against; only what
    needs no source is checked. ``site_text``: names the draft itself may use (its theme).
    """
    if sources is None:
        prose = grounding.plain(_without_link_lines(text))
        return _unique(
            [
                *_repetition(prose),
                *_truncated(text),
                *_echo(prose),
                *_labels(text, ""),
                *_stale(text, stale_themes),
            ]
        )
    haystack = grounding.normalize("\n".join(s.text for s in sources) + "\n" + site_text)
    prose = grounding.plain(_without_link_lines(text))
    flags = [
        _year_kind(f)
        for f in grounding.fact_flags(text=text, sources=sources)
        if not (f["kind"] == "link" and grounding.normalize(str(f["text"])) in haystack)
    ]
    flags += _unknown(_VENUE, prose, haystack, "venue", "venue found in no source")
    flags += _unknown(_ORGANISATION, prose, haystack, "organisation", "organisation in no source")
    titles = " ".join(str(f["text"]) for f in flags if f["kind"] == "title")
    flags += [f for f in _names(prose, haystack) if str(f["text"]) not in titles]
    flags += _flips(prose, sources)
    flags += _repetition(prose)
    flags += _truncated(text)
    flags += _echo(prose)
    flags += _labels(text, haystack)
    flags += _stale(text, stale_themes)
    return _unique(flags)


def _labels(text: str, haystack: str) -> list[Flag]:
    return [
        _flag("label", m[0], "an editor's label, not for readers")
        for m in _LABEL.finditer(text)
        if not (haystack and _contains(haystack, m[0]))
    ]


def _stale(text: str, themes: Iterable[str]) -> list[Flag]:
    return [
        _flag("stale_theme", theme, "a theme this draft no longer has")
        for theme in themes
        if theme.strip() and re.search(rf"\b{re.escape(theme.strip())}\b", text, re.IGNORECASE)
    ]


def _flag(kind: str, text: str, message: str) -> Flag:
    return {"kind": kind, "text": text[:200], "message": message, "blocking": True}


def _year_kind(flag: Flag) -> Flag:
    if flag["kind"] == "number" and _YEAR.fullmatch(str(flag["text"])):
        return flag | {"kind": "year", "message": "year found in no source"}
    return flag


def _unknown(
    pattern: re.Pattern[str], prose: str, haystack: str, kind: str, why: str
) -> list[Flag]:
    return [
        _flag(kind, m[0], why)
        for m in pattern.finditer(prose)
        if grounding.normalize(m[0]) not in haystack
    ]


def _contains(haystack: str, phrase: str) -> bool:
    """``phrase`` (normalised) occurs in ``haystack`` as whole words ("gpt 7" not in "gpt 70b")."""
    folded = grounding.normalize(phrase).strip(".")
    return bool(folded) and re.search(rf"(?<![\w.]){re.escape(folded)}(?!\w)", haystack) is not None


def _names(prose: str, haystack: str) -> list[Flag]:
    flags = []
    for sentence in split_sentences(prose):
        for match in [*_PROPER_RUN.finditer(sentence.text), *_COINED.finditer(sentence.text)]:
            words = grounding.normalize(match[0]).split()
            if all(w.strip(".") in _KNOWN_WORDS for w in words) or _contains(haystack, match[0]):
                continue
            flags.append(_flag("name", match[0], "name or term found in no source"))
    return flags


def _stem(word: str) -> str:
    word = word.casefold()
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


@lru_cache(maxsize=1)
def _opposite_stems() -> list[tuple[str, str]]:
    return [(_stem(a), _stem(b)) for a, b in _OPPOSITES]


def _flips(prose: str, sources: Sequence[grounding.Source]) -> list[Flag]:
    """Sentences whose polarity or direction differs from the abstract sentence they rest on."""
    flags: list[Flag] = []
    for source in sources:
        if not source.abstract:
            continue
        for evidence in grounding.evidence_for(section=prose, abstract=source.abstract):
            sentence, span = str(evidence["sentence"]), str(evidence["span"])
            if float(evidence["score"]) < 0.5 or not span:  # type: ignore[arg-type]
                continue
            if len(_NEGATION.findall(sentence)) != len(_NEGATION.findall(span)):
                flags.append(_flag("negation", sentence, "negation differs from the abstract"))
                continue
            mine, theirs = _stems(sentence), _stems(span)
            for a, b in _opposite_stems():
                if (a in mine and b in theirs and a not in theirs and b not in mine) or (
                    b in mine and a in theirs and b not in theirs and a not in mine
                ):
                    flags.append(_flag("direction", sentence, "says the opposite of the abstract"))
                    break
    return flags


def _repetition(prose: str) -> list[Flag]:
    flags: list[Flag] = []
    seen: list[set[str]] = []
    for sentence in split_sentences(prose):
        words = grounding.content_words(sentence.text)
        if len(words) >= 4 and any(len(words & s) / len(words) >= 0.8 for s in seen):
            flags.append(_flag("repetition", sentence.text, "says again what was said"))
        seen.append(words)
    tokens = [w.casefold() for w in re.findall(r"[\w.-]+", prose)]
    grams = Counter(tuple(tokens[i : i + 5]) for i in range(len(tokens) - 4))
    for gram, count in grams.items():
        if count >= 3 and len(set(gram) - _KNOWN_WORDS) >= 3:
            flags.append(_flag("repetition", " ".join(gram), f"a phrase repeated {count} times"))
    return flags


def _truncated(text: str) -> list[Flag]:
    flags: list[Flag] = []
    for paragraph in re.split(r"\n\s*\n", text):
        line = paragraph.strip()
        if not line or line.startswith(("#", "|", "-", "*", ">")) or _is_link_line(line):
            continue
        line = _TRAILING_LINK.sub("", line)  # "… [Read more](url)": the prose before it
        last = split_sentences(grounding.plain(line))
        ending = last[-1].text if last else line
        if _TERMINAL.search(line) and re.search(r"https?://\S+\s*$", line):
            continue  # "Code is available at https://…"
        if not _TERMINAL.search(line) or line.endswith(("...", "…")):
            flags.append(_flag("truncated", ending[-120:], "the text stops mid-sentence"))
        elif ending.count("(") > ending.count(")"):
            flags.append(_flag("truncated", ending[-120:], "a bracket is never closed"))
    return flags


def _without_link_lines(text: str) -> str:
    """The prose: the links line under a section ("Paper: [arXiv:…] · Code: <…>") left out."""
    return "\n".join(line for line in text.splitlines() if not _is_link_line(line.strip()))


def _is_link_line(line: str) -> bool:
    return bool(re.match(r"^(?:Paper: \[arXiv:|Code: <|\[[^\]]+\]\([^)]+\)\s*$)", line)) or (
        "[Similar papers](" in line
    )


@lru_cache(maxsize=1)
def _prompt_grams() -> frozenset[tuple[str, ...]]:
    """Five-word runs of the instructions we give models: an answer that repeats them echoes."""
    grams: set[tuple[str, ...]] = set()
    for path in _PROMPTS.glob("draft_*.txt"):
        text = re.sub(r"\{[{%].*?[%}]\}", " ", path.read_text())
        tokens = [w.casefold() for w in _WORD.findall(text)]
        grams |= {tuple(tokens[i : i + 5]) for i in range(len(tokens) - 4)}
    return frozenset(grams)


def _echo(prose: str) -> list[Flag]:
    flags = [
        _flag("prompt_echo", m[0], "the model's instructions or preamble")
        for m in _ECHO.finditer(prose)
    ]
    tokens = [w.casefold() for w in _WORD.findall(prose)]
    grams = _prompt_grams()
    for i in range(len(tokens) - 4):
        if tuple(tokens[i : i + 5]) in grams:
            flags.append(_flag("prompt_echo", " ".join(tokens[i : i + 5]), "repeats the prompt"))
            break
    return flags


def _unique(flags: Iterable[Flag]) -> list[Flag]:
    seen: set[tuple[object, object]] = set()
    out = []
    for flag in flags:
        key = (flag["kind"], flag["text"])
        if key not in seen:
            seen.add(key)
            out.append(flag)
    return out
