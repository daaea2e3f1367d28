"""The safeguarding family ``donnees.*``: a child-protection plan never publishes a child's or a family's
personal data. Declared institutional contacts (``contacts_institutionnels``) and the plan's own codes
are allowed; the text is read as a reader sees it (:func:`searchable`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from ..errors import Location
from ..load import PLAN_FILE
from .registry import GAP, RULES, rule
from .run import Run

_TELEPHONE = rule("donnees.telephone", GAP, "personal data: a phone number")
_EMAIL = rule("donnees.email", GAP, "personal data: an e-mail address")
_CIN = rule("donnees.cin", GAP, "personal data: a national ID (CIN)")
_DOSSIER = rule("donnees.dossier", GAP, "personal data: a case-file number")
_PRENOM_AGE = rule("donnees.prenom_age", GAP, "personal data: a first name next to an age")

_MESSAGES = {
    _TELEPHONE.name: "numéro de téléphone « {} » : donnée personnelle interdite, à retirer (une ligne "
                     "institutionnelle, comme un numéro vert, se déclare dans contacts_institutionnels)",
    _EMAIL.name: "adresse e-mail « {} » : donnée personnelle interdite, à retirer (une adresse de service "
                 "se déclare dans contacts_institutionnels)",
    _CIN.name: "numéro de carte d'identité (CIN) « {} » : donnée personnelle interdite",
    _DOSSIER.name: "numéro de dossier « {} » : donnée personnelle interdite",
    _PRENOM_AGE.name: "prénom suivi d'un âge « {} » : un enfant ne doit jamais être identifiable",
}

_ARABIC_WORD = "[\u0621-\u064a]{2,}"
_PATTERNS = [
    (_EMAIL.name, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (_TELEPHONE.name, re.compile(
        r"(?<![\w+])(?:(?:\+|00)\s?212[\s.-]?\(?0?\)?|0)[5-8](?:[\s.-]?\d){8}(?!\d)"
        r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d){7,12}(?!\d)")),
    (_CIN.name, re.compile(r"(?<![\w.])[A-Z]{1,2}\d{5,6}(?![\w.])")),
    (_DOSSIER.name, re.compile(
        r"(?i:dossier|affaire|ملف|القضية)\s*(?:(?i:n°|no\.?|num(?:éro)?\.?|رقم)\s*)?:?\s*\d+(?:\s*[/-]\s*\d+)+"
        r"|(?<![\d/])\d{1,6}/\d{4}/\d{1,6}(?![\d/])")),
    (_PRENOM_AGE.name, re.compile(
        r"\b[A-ZÀ-Ý][a-zà-ÿ]{2,}\s*(?:,|\()\s*(?:âgée?\s+de\s+)?\d{1,2}\s*ans\b"
        r"|\b[A-ZÀ-Ý][a-zà-ÿ]{2,},?\s+âgée?\s+de\s+\d{1,2}\s*ans\b"
        rf"|{_ARABIC_WORD}\s*[،,(]\s*(?:(?:البالغة?|ال?عمرها|عمره)\s+(?:من\s+العمر\s+)?)?\d{{1,2}}\s*(?:سنة|سنوات|عاما)"
        rf"|{_ARABIC_WORD}\s+(?:البالغة?|ذات|ذو)\s+(?:من\s+العمر\s+)?\d{{1,2}}\s*(?:سنة|سنوات|عاما)")),
]
_DIGIT_OR_AT = re.compile(r"[\d@\uff20\ufe6b]")  # \d: every script's digits; the full-width and small @
_PRIVACY = re.compile("|".join(f"(?P<{name.replace('.', '_')}>{pattern.pattern})" for name, pattern in _PATTERNS))
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def scan(run: Run, data: dict) -> None:
    """Every piece of personal data in plan.yaml and the narrative files."""
    contacts = data.get("contacts_institutionnels")
    contacts = contacts if isinstance(contacts, list) else []
    allowed = {_contact_key(searchable(c)) for c in contacts if isinstance(c, str)}
    allowed |= {c for path, c in run.strings if path[-1:] == ("code",)}  # the plan's own codes
    for path, text in run.strings:
        if path[:1] == ("contacts_institutionnels",):
            continue
        for offset, name, found in find_personal_data(text, allowed):
            origin = run.raw.where(path)
            line = origin.line + offset
            run.add(Location(PLAN_FILE, line, origin.col if not offset else 1), run.raw.code_at(path),
                    _MESSAGES[name].format(found), RULES[name])
    for texts in run.raw.narratives.values():
        for source in texts.values():
            if source is None:
                continue
            for offset, name, found in find_personal_data(source.text, allowed):
                run.add(Location(source.location.file, offset + 1, 1), "-", _MESSAGES[name].format(found), RULES[name])


def _contact_key(text: str) -> str:
    """Normalise a contact for comparison: digits only for numbers, lower case otherwise."""
    digits = re.sub(r"\D", "", text)
    return digits if "@" not in text and len(digits) >= 6 else text.strip().lower()


def searchable(text: str) -> str:
    """``text`` as the safeguarding rules read it: NFKC (full-width digits and ＠ become ASCII), Arabic-Indic
    digits as ASCII, format characters (zero-width spaces, bidi marks) removed; line by line, so that line
    offsets stay those of the source."""
    lines = []
    for line in text.split("\n"):
        line = unicodedata.normalize("NFKC", line.translate(_DIGITS))
        lines.append("".join(c for c in line if unicodedata.category(c) != "Cf").replace("\n", " "))
    return "\n".join(lines)


def find_personal_data(text: str, allowed: set[str] = frozenset()) -> Iterator[tuple[int, str, str]]:
    """(line offset, rule, what was found) for each piece of personal data in ``text``.

    ``allowed`` holds the declared institutional contacts (as :func:`_contact_key` makes them) and the
    plan's own codes, which are never personal data.
    """
    if not _DIGIT_OR_AT.search(text):  # every kind of personal data sought has a digit or an @
        return
    text = searchable(text)
    for match in _PRIVACY.finditer(text):
        found = match.group(0).strip()
        if found in allowed or _contact_key(found) in allowed:
            continue
        name = match.lastgroup.replace("_", ".", 1)
        yield text.count("\n", 0, match.start()), name, found
