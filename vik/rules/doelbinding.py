"""Whether the doelbinding of a rule says something: substance, references and dates.

A required field is not complete because it is not empty: "-", "n.v.t.", "volgt",
"nog niet gevraagd" say that the answer is missing. DPIA and FG advice are
references to documents, so they must look like one (a kenmerk such as
DPIA-VIK-2026-01, or an https link); links to the law are https URLs; a besluit
names its kenmerk (it holds a number).

    >>> substance_problem("n.v.t.")
    "zegt niets ('n.v.t.'); schrijf de inhoud op"
    >>> reference_problem("nog niet gevraagd") is not None
    True
    >>> reference_problem("FG-ADV-2026-007") is None
    True
"""

from __future__ import annotations

import re

__all__ = [
    "PLACEHOLDERS",
    "besluit_problem",
    "link_problem",
    "reference_problem",
    "substance_problem",
]

# Answers that say the answer is missing (compared without case and trailing punctuation).
PLACEHOLDERS = (
    "-",
    "--",
    "?",
    "...",
    "x",
    "n.v.t",
    "nvt",
    "n/a",
    "na",
    "volgt",
    "nog niet",
    "tbd",
    "ntb",
    "n.t.b",
    "todo",
    "onbekend",
    "geen",
    "leeg",
    "nader te bepalen",
)
# Beginnings that defer the answer ("nog niet gevraagd", "volgt later", "wordt nog ...").
DEFERRING = ("nog niet", "volgt", "wordt nog", "n.t.b", "ntb", "nader te bepalen", "tbd", "todo")
# A document's kenmerk: letters and digits in parts joined by - / . _ , with a digit in it.
KENMERK = re.compile(r"^[A-Za-z0-9]+(?:[-/._][A-Za-z0-9]+)+$")
URL = re.compile(r"^https://[^\s/]+\.[^\s]+$")


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".!:; ")


def substance_problem(text: str | None, *, min_words: int = 1) -> str | None:
    """Why this text is no answer (None: it is one)."""
    if text is None or not text.strip():
        return "ontbreekt"
    plain = _plain(text)
    if plain in PLACEHOLDERS or any(plain.startswith(word) for word in DEFERRING):
        return f"zegt niets ('{' '.join(text.split())}'); schrijf de inhoud op"
    if len(plain.split()) < min_words:
        return f"is te kort om iets te zeggen; schrijf ten minste {min_words} woorden"
    return None


def reference_problem(text: str | None) -> str | None:
    """Why this is no reference to a document (a kenmerk or an https link)."""
    problem = substance_problem(text)
    if problem:
        return problem
    assert text is not None
    value = text.strip()
    if URL.match(value) or (KENMERK.match(value) and any(c.isdigit() for c in value)):
        return None
    return (
        f"'{value}' is geen kenmerk of link; noem het kenmerk van het document "
        "(bijvoorbeeld DPIA-VIK-2026-01) of een link (https://...)"
    )


def link_problem(text: str) -> str | None:
    if URL.match(text.strip()):
        return None
    return f"'{text}' is geen link; schrijf een volledige https://-link"


def besluit_problem(text: str | None) -> str | None:
    """Why this names no besluit (a besluit has a kenmerk with a number in it)."""
    problem = substance_problem(text)
    if problem:
        return problem
    assert text is not None
    if not any(c.isdigit() for c in text) or len(text.strip()) < 6:
        return (
            f"'{text.strip()}' noemt geen besluit; geef het kenmerk van het besluit of verslag, "
            "bijvoorbeeld 'Besluit college 2026-0915-04'"
        )
    return None
