"""A word broken inside (overflow-wrap) keeps its joined letters, and its line the width it was fitted in.

WeasyPrint breaks a word longer than its line by laying the text out with Pango in char-wrap mode: Pango
fits the line with the letters shaped in their word. WeasyPrint then lays the kept text out again, alone
(``first_line_metrics``), and draws that: the letter before the break, which joined the next one, takes its
isolated form, wider in Arabic (Amiri 8.5 pt: lam 1.98 pt joined, 6.83 pt alone; beh 2.15 pt, 10.49 pt),
and the line runs past the box it was fitted in (the stress plan's Partenaires cell, 3.3 pt, issue 13).
The letter after the break is shaped alone too, and the word reads as two.

CSS Text 3 (§5.5, overflow-wrap): "Shaping characters are still shaped as if the word were not broken".
This module does so, and checks the fit:

- :func:`_split_first_line` ends the line's text with U+200D ZERO WIDTH JOINER when its last letter joins the
  next one, and :func:`_split_text_box` starts the next line's text with one when its first letter joins the
  previous one: each side keeps the form it has in the whole word (Unicode §23.2), and the line is drawn as
  Pango fitted it. A joiner beside a letter that does not join changes nothing.
- A line broken inside a word that is still wider than its box once laid out as drawn (a font's contextual
  forms that differ at the break, a script that does not join) is broken a letter earlier, until it fits
  (or holds one letter).
- The joiners are for Pango only: the layout records where they are (``publisher_joiners``, byte offsets in
  its text) and the text layer (:mod:`publisher.render.pdftext`) reads the line without them; they draw
  nothing (Pango's empty glyph) and never reach the HTML or the DOCX.

Installed for the WeasyPrint versions whose ``split_first_line`` and ``split_text_box`` it was checked against.
"""

from __future__ import annotations

import unicodedata
from contextvars import ContextVar

import weasyprint
from weasyprint.layout import inline
from weasyprint.text import line_break
from weasyprint.text.ffi import FROM_UNITS, pango

SUPPORTED = ("70.",)  # the versions whose split_first_line and split_text_box this module was checked against
JOINER = "\u200d"
JOINER_BYTES = len(JOINER.encode())
JOINING = frozenset({"AL", "R"})  # the letters of the right-to-left scripts, the joining ones among them
EPSILON = 1e-3  # points

_BEFORE: ContextVar[str] = ContextVar("publisher_break_before", default="")  # the text before the line
_original_split_first_line = line_break.split_first_line
_original_split_text_box = inline.split_text_box


def _letter(text: str, last: bool) -> str:
    """The last (or first) character of ``text`` that is not a combining mark (a vowel sign is transparent
    to joining: the letter under it joins)."""
    for char in reversed(text) if last else text:
        if unicodedata.category(char) not in ("Mn", "Me"):
            return char
    return ""


def joins(before: str, after: str) -> bool:
    """Whether the end of ``before`` and the start of ``after`` are letters of one right-to-left word."""
    left, right = _letter(before, last=True), _letter(after, last=False)
    return bool(left and right) and {unicodedata.bidirectional(left), unicodedata.bidirectional(right)} <= JOINING


def _forced(style, is_line_start: bool, minimum: bool) -> bool:
    """Whether WeasyPrint may break inside a word here (``split_first_line``'s step 5)."""
    wrap = style["overflow_wrap"]
    return style["word_break"] == "break-all" or (
        is_line_start and (wrap == "anywhere" or (wrap == "break-word" and not minimum)))


def _relaid(layout, style, text: str) -> tuple[float, float, float]:
    """Lay ``layout`` out again with ``text``, as drawn (no width), and measure it."""
    layout.setup(style)  # WeasyPrint's first_line_metrics deactivated it
    layout.set_text(text)
    first_line, _ = layout.get_first_line()
    width, height = line_break.line_size(first_line, style)
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    layout.deactivate()
    return width, height, baseline


def _previous_letter(line: str) -> str:
    """``line`` without its last letter and the marks on it."""
    end = len(line)
    while end and unicodedata.category(line[end - 1]) in ("Mn", "Me"):
        end -= 1
    return line[:max(end - 1, 0)]


def _split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
    """WeasyPrint's ``split_first_line``, the line joined to the text before and after it, and a line broken
    inside a word no wider as drawn than ``max_width``."""
    lead = JOINER if joins(_BEFORE.get(), text) else ""
    result = _original_split_first_line(lead + text, style, context, max_width, justification_spacing,
                                        is_line_start, minimum)
    if lead and result[1] <= JOINER_BYTES:  # nothing but the joiner fits: the letter alone, as WeasyPrint does
        lead = ""
        result = _original_split_first_line(text, style, context, max_width, justification_spacing,
                                            is_line_start, minimum)
    layout, length, resume, width, height, baseline = result
    if lead:
        length -= JOINER_BYTES
        resume = None if resume is None else resume - JOINER_BYTES
    layout.publisher_joiners = (0,) if lead else ()
    encoded = text.encode()
    if resume is None or resume != length or layout.text != lead + encoded[:length].decode():
        return layout, length, resume, width, height, baseline  # the text's end, a space, a newline, a hyphen
    forced = bool(max_width) and _forced(style, is_line_start, minimum)
    relaid = False
    while True:  # the line ends inside a word
        line = encoded[:length].decode()
        if joins(line, encoded[length:].decode()):
            width, height, baseline = _relaid(layout, style, lead + line + JOINER)
            layout.publisher_joiners = (*((0,) if lead else ()), len((lead + line).encode()))
        elif relaid:
            width, height, baseline = _relaid(layout, style, lead + line)
            layout.publisher_joiners = (0,) if lead else ()
        if not forced or width <= max_width + EPSILON:
            break
        shorter = _previous_letter(line)  # still wider as drawn than its box: one letter fewer
        if not shorter or shorter[-1].isspace():
            break
        length = resume = len(shorter.encode())
        relaid = True
    return layout, length, resume, width, height, baseline


def _split_text_box(context, box, available_width, skip, is_line_start=True):
    before = box.text.encode()[max(skip - 32, 0):skip].decode("utf-8", "ignore")  # a letter and its marks
    token = _BEFORE.set(before)
    try:
        return _original_split_text_box(context, box, available_width, skip, is_line_start)
    finally:
        _BEFORE.reset(token)


def install() -> bool:
    """Put the joined breaks in WeasyPrint's line breaking; False on a version it was not checked on."""
    if not weasyprint.__version__.startswith(SUPPORTED):
        return False
    line_break.split_first_line = _split_first_line
    inline.split_first_line = _split_first_line  # imported by name there
    inline.split_text_box = _split_text_box
    return True
