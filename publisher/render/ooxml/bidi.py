"""Right to left: ``w:bidi`` paragraphs, ``w:rtl`` runs, right-to-left tables, and the split of mixed text
into directional runs so that codes and acronyms (``A1.1.1.1``, ``CPPE``) stay whole inside Arabic.

See ``shared/rtl-notes.md`` for the traps of Word and LibreOffice.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from docx.oxml.ns import qn
from lxml import etree

from .blocks import text_element
from .schema import PPR_ORDER, RPR_ORDER, TBLPR_ORDER, element_of, new_element, properties_of, child, ppr, rpr


def set_bidi(paragraph) -> None:
    """Make a paragraph right-to-left (``w:bidi``): its start is the right margin."""
    child(ppr(paragraph), "bidi", PPR_ORDER)


def has_bidi(paragraph) -> bool:
    """Whether a paragraph carries ``w:bidi`` in its own properties."""
    pr = element_of(paragraph).find(qn("w:pPr"))
    return pr is not None and pr.find(qn("w:bidi")) is not None


def set_rtl(run) -> None:
    """Mark a run as right-to-left text (``w:rtl``); never on strongly left-to-right text."""
    child(rpr(run), "rtl", RPR_ORDER)


_STRONG_RTL = {"R", "AL"}


# Arabic punctuation is neutral for Unicode (the Arabic comma is a common separator), but belongs to
# the Arabic text around it: "DAS، INDH" is two Latin acronyms in an Arabic list, not one Latin phrase.
_ARABIC_PUNCTUATION = set("\u060c\u061b\u061f\u06d4")


def _ltr_mask(text: str) -> list[bool]:
    """Which characters belong to a left-to-right stretch: from a strong Latin letter to the last
    Latin letter or digit before the next Arabic letter (so ``A1.1.1.1`` and ``CPPE`` stay whole,
    while the spaces and brackets around them stay with the Arabic text)."""
    classes = ["AL" if ch in _ARABIC_PUNCTUATION else unicodedata.bidirectional(ch) for ch in text]
    mask = [False] * len(text)
    i = 0
    while i < len(text):
        if classes[i] != "L":
            i += 1
            continue
        last = k = i
        while k < len(text) and classes[k] not in _STRONG_RTL:
            if classes[k] in ("L", "EN"):
                last = k
            k += 1
        for m in range(i, last + 1):
            mask[m] = True
        i = k
    return mask


@lru_cache(maxsize=1)
def _maybe_ltr():
    """A pattern of the characters that may start a left-to-right stretch: every character of the Basic
    Multilingual Plane of bidi class L (a Latin, Greek... letter), and any beyond it."""
    strong = [code for code in range(0x10000) if unicodedata.bidirectional(chr(code)) == "L"]
    ranges, start = [], strong[0]
    for previous, code in zip(strong, strong[1:] + [None]):
        if code != previous + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
            start = code
    return re.compile(f"[{''.join(ranges)}\U00010000-\U0010FFFF]")


def directional_segments(text: str) -> list[tuple[str, bool]]:
    """Split text into ``(segment, rtl)`` pieces: Latin stretches are not rtl, everything else is."""
    if not text:
        return []
    if not _maybe_ltr().search(text):  # no letter to start a Latin stretch: all of it is right to left
        return [(text, True)]
    mask = _ltr_mask(text)
    pieces: list[tuple[str, bool]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or mask[index] != mask[start]:
            pieces.append((text[start:index], not mask[start]))
            start = index
    return pieces


def _text_of(run) -> str | None:
    """The text of a run made only of ``w:rPr`` and ``w:t`` elements, else None."""
    text = []
    for item in run:
        if item.tag == qn("w:rPr"):
            continue
        if item.tag != qn("w:t"):
            return None
        text.append(item.text or "")
    return "".join(text)


def mark_rtl_runs(root) -> None:
    """Give every right-to-left run ``w:rtl``, splitting out Latin stretches into runs without it.

    Runs holding something else than text (fields, tabs, breaks, drawings) get ``w:rtl`` as they are:
    page numbers and tabs then follow the right-to-left flow.
    """
    for run in list(element_of(root).iter(qn("w:r"))):
        text = _text_of(run)
        if text is None or not text:
            if run.find(qn("w:t")) is None and run.find(qn("w:instrText")) is None:
                set_rtl(run)
            continue
        pieces = directional_segments(text)
        if len(pieces) == 1:
            if pieces[0][1]:
                set_rtl(run)
            continue
        parent = run.getparent()
        index = parent.index(run)
        props = run.find(qn("w:rPr"))
        for offset, (piece, rtl) in enumerate(pieces):
            new = new_element("w:r")
            if props is not None:
                new.append(etree.fromstring(etree.tostring(props)))
            new.append(text_element(piece))
            if rtl:
                set_rtl(new)
            parent.insert(index + offset, new)
        parent.remove(run)


def bidi_everywhere(root) -> None:
    """``w:bidi`` on every paragraph and ``w:bidiVisual`` on every table under ``root``."""
    element = element_of(root)
    for paragraph in element.iter(qn("w:p")):
        set_bidi(paragraph)
    for table in element.iter(qn("w:tbl")):
        set_table_bidi_visual(table)


def set_table_bidi_visual(table_) -> None:
    """Lay a table out right to left (``w:bidiVisual``): the first logical cell on the right."""
    child(properties_of(table_, "tblPr"), "bidiVisual", TBLPR_ORDER)
