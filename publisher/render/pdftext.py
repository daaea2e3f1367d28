"""The exact text layer of the PDF: every glyph drawn maps to the characters it stands for.

WeasyPrint writes one ToUnicode entry per glyph, the text of the first cluster the glyph was drawn in,
and an empty entry for the second glyph of a cluster (WeasyPrint #2841). Amiri draws some letters with
two glyphs (a lam as a joining stroke plus its form) and shares glyphs between clusters, so copy, search
and screen readers lost or doubled letters of the Arabic editions («الإق يمية»). A glyph cannot have two
ToUnicode entries, but a font can have two codes for one glyph: this module gives every (glyph, text)
pair its own code, and the written font maps the extra codes back to the glyph (``CIDToGIDMap``).

- At draw time, :func:`_draw_first_line` wraps WeasyPrint's own: once WeasyPrint has drawn a line, the
  glyph codes it wrote are replaced by the codes of (glyph, text of the glyph), and a cluster drawn with
  several glyphs is wrapped in ``/Span <</ActualText (text)>> BDC ... EMC`` (ISO 32000-1, 14.9.4), its
  glyphs sharing the text (a glyph with no character of its own, like Amiri's joining stroke, maps to
  U+200D ZERO WIDTH JOINER, which changes nothing in a joined Arabic word).
- At write time, :func:`finish_fonts` (called by the renderer's finisher) writes the ``CIDToGIDMap`` of
  every font that received extra codes.

The wrapper reads Pango's glyph strings as WeasyPrint's ``draw_first_line`` does; it is active only
while :func:`exact_text` is, and is installed for the WeasyPrint versions it was written against.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from contextvars import ContextVar

import pydyf
import uharfbuzz as hb
import weasyprint
from weasyprint.draw import text as weasy_text
from weasyprint.text.ffi import ffi, pango

SUPPORTED = ("70.",)  # the versions whose draw_first_line and Font this module was checked against
JOINER = "\u200d"
_ACTIVE: ContextVar[bool] = ContextVar("publisher_exact_text", default=False)
_original_draw_first_line = weasy_text.draw_first_line


@contextmanager
def exact_text():
    """Within this block, the PDFs WeasyPrint draws get the exact text layer (see the module)."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


# --- the text of each glyph -----------------------------------------------------------------------


def _cmap(font) -> dict[str, int]:
    """The nominal glyph of each character of a WeasyPrint font: read once per font file and process
    (WeasyPrint makes a font object per document)."""
    nominal = getattr(font, "_publisher_cmap", None)
    if nominal is None:
        key = (hashlib.sha256(font.file_content).digest(), font.index)
        nominal = _NOMINAL.get(key)
        if nominal is None:
            face = hb.Face(hb.Blob(font.file_content), font.index)
            glyph = hb.Font(face).get_nominal_glyph
            nominal = _NOMINAL[key] = {chr(c): glyph(c) for c in face.unicodes}
        font._publisher_cmap = nominal
    return nominal


_NOMINAL: dict[tuple[bytes, int], dict[str, int]] = {}  # by the font file's digest and face index


def _share(glyphs: list[int], text: str, nominal: dict[str, int]) -> list[str]:
    """The text of each glyph of one cluster, glyphs in logical order; together they spell ``text``."""
    if len(glyphs) == 1:
        return [text]
    shares = [""] * len(glyphs)
    left = list(text)
    for i, glyph in enumerate(glyphs):  # a glyph that is the nominal glyph of one of the characters
        for j, char in enumerate(left):
            if char and nominal.get(char) == glyph:
                shares[i], left[j] = char, ""
                break
    left = [char for char in left if char]
    empty = [i for i, share in enumerate(shares) if not share]
    for k, i in enumerate(empty):  # the others, in order; the last takes what remains
        if k < len(left):
            shares[i] = "".join(left[k:]) if k == len(empty) - 1 else left[k]
    if left and not empty:
        shares[-1] += "".join(left)
    return [share or JOINER for share in shares]


def _text(utf8: bytes, start: int, end: int, joiners: tuple[int, ...]) -> str:
    """The text of the bytes ``start:end`` of a line, without the joiners the line breaking put there."""
    joiner = JOINER.encode()
    for at in sorted(joiners, reverse=True):
        if start <= at < end and utf8[at:at + len(joiner)] == joiner:
            utf8 = utf8[:at] + utf8[at + len(joiner):]
            end -= len(joiner)
    return utf8[start:end].decode("utf-8", "replace")


def glyph_runs(stream, textbox):
    """The clusters of the first line of ``textbox`` as drawn: per Pango run, the WeasyPrint font and
    its clusters in drawing order, each a list of (glyph id, text of the glyph) and the cluster's text."""
    line, _ = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    joiners = getattr(textbox.pango_layout, "publisher_joiners", ())  # for Pango only (render/pdfbreak.py)
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        count, clusters = glyphs.num_glyphs, glyphs.log_clusters
        font, _ = stream.add_font(item.item.analysis.font)
        rtl = item.item.analysis.level % 2
        offset, length = item.item.offset, item.item.length
        starts = sorted({clusters[i] for i in range(count)})
        ends = dict(zip(starts, starts[1:] + [length]))
        groups: list[tuple[int, list[int]]] = []
        for i in range(count):
            if groups and groups[-1][0] == clusters[i]:
                groups[-1][1].append(glyphs.glyphs[i].glyph)
            else:
                groups.append((clusters[i], [glyphs.glyphs[i].glyph]))
        out = []
        for start, ids in groups:
            text = _text(utf8, offset + start, offset + ends[start], joiners)
            logical = ids[::-1] if rtl else ids
            shown = [glyph for glyph in logical if _drawn(glyph)]  # an empty glyph (a joiner) takes no text
            parts = iter(_share(shown, text, _cmap(font)) if len(shown) > 1 else [text])
            shares = [next(parts) if _drawn(glyph) else "" for glyph in logical]
            shares = shares[::-1] if rtl else shares
            out.append((list(zip(ids, shares)), text))
        yield font, out


# --- codes ----------------------------------------------------------------------------------------


def _code(font, glyph: int, text: str) -> int:
    """The code that draws ``glyph`` and reads as ``text`` in ``font``; a new one when needed."""
    codes = font.__dict__.setdefault("_publisher_codes", {})
    if (glyph, text) in codes:
        return codes[(glyph, text)]
    claimed = font.__dict__.setdefault("_publisher_claimed", set())
    extra = font.__dict__.setdefault("_publisher_extra", {})
    if glyph not in claimed:  # the glyph's own code is free: it reads as this text from now on
        claimed.add(glyph)
        code = glyph
    else:
        code = 0xFFFF - len(extra)
        while code in font.to_unicode or code in extra:
            code -= 1
        extra[code] = glyph
        font.widths[code] = font.widths[glyph]
    font.to_unicode[code] = text
    codes[(glyph, text)] = code
    return code


# --- rewriting what WeasyPrint drew ---------------------------------------------------------------

_TJ = re.compile(rb"^\[(.*)\] TJ$", re.S)
_TOKEN = re.compile(rb"<([0-9a-fA-F]*)>|(-?[0-9.]+(?:e-?[0-9]+)?)")


def _actual_text(text: str) -> bytes:
    return b"/Span <</ActualText <feff" + text.encode("utf-16-be").hex().encode() + b">>> BDC"


def _rewrite(entries: list, glyphs: list) -> list | None:
    """The drawn operators with each glyph's code and the ActualText spans; None if they do not match.

    ``glyphs`` holds, for each code WeasyPrint wrote, (glyph, new code, cluster text or None, cluster size).
    """
    out, position = [], 0
    span_left = 0  # glyphs still to come in the open ActualText span
    for entry in entries:
        raw = entry if isinstance(entry, bytes) else str(entry).encode()
        match = _TJ.match(raw)
        if not match:
            out.append(entry)
            continue
        pieces: list[bytes] = []  # the current TJ array
        hexes: list[str] = []

        def flush_hex():
            if hexes:
                pieces.append(b"<" + "".join(hexes).encode() + b">")
                hexes.clear()

        def flush_tj():
            flush_hex()
            if pieces:
                out.append(b"[" + b" ".join(pieces) + b"] TJ")
                pieces.clear()

        for token in _TOKEN.finditer(match.group(1)):
            if token.group(2) is not None:
                flush_hex()
                pieces.append(token.group(2))
                continue
            data = token.group(1)
            if len(data) % 4:
                return None
            for k in range(0, len(data), 4):
                if position >= len(glyphs):
                    return None
                glyph, code, whole, count = glyphs[position]
                if int(data[k:k + 4], 16) != glyph:
                    return None
                if whole is not None and span_left == 0:
                    flush_tj()
                    out.append(_actual_text(whole))
                    span_left = count
                hexes.append(f"{code:04x}")
                position += 1
                if span_left:
                    span_left -= 1
                    if span_left == 0:
                        flush_tj()
                        out.append(b"EMC")
        flush_tj()
    if position != len(glyphs) or span_left:
        return None
    return out


def _drawn(glyph: int) -> bool:
    """Whether WeasyPrint writes a code for this Pango glyph (not for an empty or a missing one)."""
    return glyph != pango.PANGO_GLYPH_EMPTY and not glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    start = len(stream.stream)
    emojis = _original_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    if not _ACTIVE.get() or len(stream.stream) == start:
        return emojis
    glyphs = []
    for font, clusters in glyph_runs(stream, textbox):
        if font.bitmap or font.missing or font.type != "ttf":
            return emojis  # codes of their own, or no CIDToGIDMap: left as WeasyPrint wrote them
        for pairs, text in clusters:
            drawn = [(glyph, share) for glyph, share in pairs if _drawn(glyph)]
            whole = text if len(drawn) > 1 else None
            glyphs.extend((glyph, _code(font, glyph, share), whole, len(drawn)) for glyph, share in drawn)
    if all(code == glyph and whole is None for glyph, code, whole, _ in glyphs):
        return emojis  # the line reads right with the codes WeasyPrint wrote: most lines
    rewritten = _rewrite(stream.stream[start:], glyphs)
    if rewritten is not None:
        stream.stream[start:] = rewritten
    return emojis


# --- at write time --------------------------------------------------------------------------------


def finish_fonts(document, pdf) -> None:
    """Give every font that received extra codes the ``CIDToGIDMap`` that draws them with their glyph."""
    by_name = {}
    for font in document.fonts.values():
        extra = font.__dict__.get("_publisher_extra")
        if extra:
            by_name[font.name.decode() if isinstance(font.name, bytes) else str(font.name)] = (font, extra)
    if not by_name:
        return
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Subtype") not in ("/CIDFontType2", "/CIDFontType0"):
            continue
        base = obj.get("BaseFont")
        name = base.decode() if isinstance(base, bytes) else str(base)
        if name not in by_name:
            continue
        font, extra = by_name[name]
        top = max(extra)
        table = bytearray(2 * (top + 1))
        for cid in range(min(font.glyph_count, top + 1)):
            table[2 * cid:2 * cid + 2] = cid.to_bytes(2, "big")
        for cid, gid in extra.items():
            table[2 * cid:2 * cid + 2] = gid.to_bytes(2, "big")
        stream = pydyf.Stream([bytes(table)], compress=True)
        pdf.add_object(stream)
        obj["CIDToGIDMap"] = stream.reference


def install() -> bool:
    """Wrap WeasyPrint's ``draw_first_line`` (WeasyPrint #2841); False on a version it was not checked on."""
    if not weasyprint.__version__.startswith(SUPPORTED):
        return False
    weasy_text.draw_first_line = _draw_first_line
    return True
