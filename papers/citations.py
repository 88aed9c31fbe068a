"""Citations out: BibTeX and RIS for papers, and the Highwire ``citation_*`` meta tags.

Pure functions of stored papers (authors prefetched with ``papers_with_authors``). The
BibTeX follows arXiv's own export (``@misc`` with ``eprint``, ``archivePrefix``,
``primaryClass``) so that reference managers file it as an arXiv preprint; the title
keeps its LaTeX (math renders in the bibliography) inside an extra pair of braces so
that BibTeX styles keep its capitals.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from papers.models import Author, Paper

# Lower-case name particles that belong to the family name ("Ludwig van Beethoven").
PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "del", "du", "dos", "la"})
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Characters special to LaTeX that arXiv titles sometimes carry unescaped ("Q&A").
# Words a key skips, as Google Scholar's keys do ("smith2024attention", not "smith2024with").
KEY_SKIP = frozenset(
    {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "from", "into", "via",
     "using", "towards", "toward", "what", "when", "how", "does", "do", "is", "are", "can",
     "about", "through", "beyond"}
)  # fmt: skip
_UNESCAPED = re.compile(r"(?<!\\)([&%#])")


@dataclass(frozen=True)
class PersonName:
    family: str
    given: str

    @property
    def inverted(self) -> str:
        """'Family, Given' (BibTeX and RIS); the family name alone if no given name."""
        return f"{self.family}, {self.given}" if self.given else self.family


def person_name(full: str) -> PersonName:
    """Split a byline name 'Given Family' at its family name (particles and Jr. kept)."""
    words = full.split()
    if len(words) < 2:
        return PersonName(family=full.strip(), given="")
    suffix = ""
    if words[-1].casefold() in SUFFIXES and len(words) > 2:
        suffix, words = words[-1], words[:-1]
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    family = " ".join(words[start:])
    given = " ".join(words[:start])
    return PersonName(family=family, given=f"{given}, {suffix}" if suffix else given)


def _year(paper: Paper) -> str:
    when = paper.submitted_at or paper.updated_at
    if when is not None:
        return str(when.year)
    return str(paper.announced_on.year) if paper.announced_on else ""


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _first_title_word(paper: Paper) -> str:
    for word in paper.title_text.split():
        cleaned = _ascii_word(word)
        if len(cleaned) > 1 and cleaned not in KEY_SKIP:
            return cleaned
    return ""


def citation_key(paper: Paper) -> str:
    """'familyYEARword' as Google Scholar writes it; the arXiv id when no author is known."""
    authors = paper.ordered_authors
    family = _ascii_word(person_name(authors[0].name).family) if authors else ""
    key = f"{family}{_year(paper)}{_first_title_word(paper)}"
    return key if family else "arxiv" + re.sub(r"[^0-9a-z]", "", paper.arxiv_id.lower())


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _bibtex_value(text: str, *, fallback: str) -> str:
    """A field's text with LaTeX's specials escaped; the plain fallback if braces don't pair."""
    text = " ".join(text.split())
    if not _balanced(text):
        text = " ".join(fallback.split()).replace("{", "").replace("}", "")
    return _UNESCAPED.sub(r"\\\1", text)


def _bibtex_names(authors: Iterable[Author]) -> str:
    names = (_bibtex_value(person_name(a.name).inverted, fallback=a.name) for a in authors)
    return " and ".join(names)


def bibtex_entry(paper: Paper, *, key: str | None = None) -> str:
    """One ``@misc`` entry for the paper (authors in byline order)."""
    fields = [
        ("title", "{" + _bibtex_value(paper.title, fallback=paper.title_text) + "}"),
        ("author", _bibtex_names(paper.ordered_authors)),
        ("year", _year(paper)),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("url", f"https://arxiv.org/abs/{paper.arxiv_id}"),
        ("doi", paper.doi),
        ("journal", _bibtex_value(paper.journal_ref, fallback=paper.journal_ref)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key or citation_key(paper)},\n{body}\n}}\n"


def _unique_keys(papers: list[Paper]) -> list[str]:
    """Citation keys for a file: a second 'smith2024deep' becomes 'smith2024deepa', and so on."""
    seen: dict[str, int] = {}
    keys = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        keys.append(key if count == 0 else key + _suffix(count))
    return keys


def _suffix(count: int) -> str:
    letters = ""
    while count > 0:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex_file(papers: Iterable[Paper]) -> str:
    """Entries for all the papers, one blank line apart, with keys unique in the file."""
    papers = list(papers)
    entries = [bibtex_entry(p, key=k) for p, k in zip(papers, _unique_keys(papers), strict=True)]
    return "\n".join(entries)


def ris_record(paper: Paper) -> str:
    """One RIS record (plain text: RIS readers don't render LaTeX)."""
    lines = [("TY", "JOUR"), ("TI", " ".join(paper.title_text.split()))]
    lines += [("AU", person_name(a.name).inverted) for a in paper.ordered_authors]
    lines += [
        ("PY", _year(paper)),
        ("DA", paper.submitted_at.strftime("%Y/%m/%d") if paper.submitted_at else ""),
        ("AB", " ".join(paper.abstract_text.split())),
        ("JO", "arXiv"),
        ("M1", f"arXiv:{paper.arxiv_id}"),
        ("UR", f"https://arxiv.org/abs/{paper.arxiv_id}"),
        ("L1", paper.pdf_url),
        ("DO", paper.doi),
        ("N1", paper.journal_ref),
    ]
    lines += [("KW", category) for category in paper.categories if category]
    body = "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value)
    return body + "ER  - \r\n"


def ris_file(papers: Iterable[Paper]) -> str:
    return "\r\n".join(ris_record(paper) for paper in papers)


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """(name, content) of the ``citation_*`` meta tags Zotero's connector reads."""
    tags = [("citation_title", " ".join(paper.title_text.split()))]
    tags += [("citation_author", person_name(a.name).inverted) for a in paper.ordered_authors]
    if paper.submitted_at:
        tags.append(("citation_date", paper.submitted_at.strftime("%Y/%m/%d")))
        tags.append(("citation_publication_date", paper.submitted_at.strftime("%Y/%m/%d")))
    if paper.updated_at:
        tags.append(("citation_online_date", paper.updated_at.strftime("%Y/%m/%d")))
    tags += [
        ("citation_arxiv_id", paper.arxiv_id),
        ("citation_pdf_url", paper.pdf_url),
        ("citation_abstract_html_url", f"https://arxiv.org/abs/{paper.arxiv_id}"),
        ("citation_doi", paper.doi),
    ]
    return [(name, value) for name, value in tags if value]
