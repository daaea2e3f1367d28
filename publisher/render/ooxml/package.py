"""Passes over a saved DOCX package: embedded fonts (obfuscated font parts, 17.8.1), the settings Word
reads on opening, and the deterministic zip (fixed order and timestamps: the same parts give the same
bytes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from typing import Sequence

from docx.oxml.ns import nsmap, qn
from lxml import etree

from .schema import CT, FONT_ORDER, OBFUSCATED_FONT, PR, REL_FONT, SETTINGS_ORDER, child


def font_key(family: str, style: str) -> str:
    """A GUID for a font part, derived from its family and style (never random: same bytes each build)."""
    digest = hashlib.sha256(f"publisher-font/{family}/{style}".encode()).hexdigest().upper()
    return "{%s-%s-%s-%s-%s}" % (digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32])


def obfuscate_font(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes of a font with the key's 16 bytes taken in reverse order (17.8.1)."""
    raw = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ raw[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


_EMBED_TAGS = {"regular": "embedRegular", "bold": "embedBold", "italic": "embedItalic", "bolditalic": "embedBoldItalic"}


def embed_fonts(docx: bytes, faces: Sequence, *, when: dt.date = dt.date(1980, 1, 1)) -> bytes:
    """Embed font files in a DOCX as obfuscated font parts, so that it looks the same without them.

    ``faces`` are :class:`publisher.fonts.Face` objects (family, style name, path). Writes the
    ``w:embed*`` elements of ``word/fontTable.xml``, their relationships, the ``odttf`` content
    type, the parts, and ``w:embedTrueTypeFonts`` in the settings; the package comes out
    deterministic (:func:`deterministic_zip`), dated ``when``.
    """
    source = zipfile.ZipFile(io.BytesIO(docx))
    parts = {name: source.read(name) for name in source.namelist()}
    fonts = etree.fromstring(parts["word/fontTable.xml"])
    rels_name = "word/_rels/fontTable.xml.rels"
    rels = etree.fromstring(parts[rels_name]) if rels_name in parts else etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR})
    number = len(rels)
    for face in faces:
        font = next((f for f in fonts.iter(qn("w:font")) if f.get(qn("w:name")) == face.family), None)
        if font is None:
            font = etree.SubElement(fonts, qn("w:font"))
            font.set(qn("w:name"), face.family)
            for tag, value in (("charset", "00"), ("family", "auto"), ("pitch", "variable")):
                child(font, tag, FONT_ORDER, {"val": value})
        number += 1
        rid = f"rIdFont{number}"
        key = font_key(face.family, face.name)
        embed = child(font, _EMBED_TAGS[face.name], FONT_ORDER, replace=True)
        embed.set(qn("r:id"), rid)
        embed.set(qn("w:fontKey"), key)
        target = f"fonts/font{number}.odttf"
        rel = etree.SubElement(rels, f"{{{PR}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", REL_FONT)
        rel.set("Target", target)
        parts[f"word/{target}"] = obfuscate_font(face.path.read_bytes(), key)
    parts["word/fontTable.xml"] = xml_bytes(fonts)
    parts[rels_name] = xml_bytes(rels)

    types = etree.fromstring(parts["[Content_Types].xml"])
    if not any(d.get("Extension") == "odttf" for d in types):
        default = etree.Element(f"{{{CT}}}Default")
        default.set("Extension", "odttf")
        default.set("ContentType", OBFUSCATED_FONT)
        types.insert(0, default)
    parts["[Content_Types].xml"] = xml_bytes(types)

    settings = etree.fromstring(parts["word/settings.xml"])
    child(settings, "embedTrueTypeFonts", SETTINGS_ORDER)
    parts["word/settings.xml"] = xml_bytes(settings)
    return zip_parts(parts, when)


def xml_bytes(element) -> bytes:
    """A part's root element as the bytes of an XML part."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def update_fields_on_open(settings_element, on: bool = True) -> None:
    """Ask Word to update the fields (the sommaire) when the document opens; ``on=False`` takes the
    request away (a document without a sommaire has nothing Word must update: ``PAGE`` and
    ``NUMPAGES`` are computed at layout)."""
    found = settings_element.find(qn("w:updateFields"))
    if not on:
        if found is not None:
            settings_element.remove(found)
        return
    child(settings_element, "updateFields", SETTINGS_ORDER, {"val": "true"})


_FIRST = ("[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "word/document.xml")


_STORED = (".png", ".jpeg", ".jpg")  # already compressed: deflating them again costs time for nothing


_FAST = (".odttf",)  # fonts halve at the fastest level; the best level costs three times the time for 5 %


def zip_parts(parts: dict[str, bytes], when: dt.date = dt.date(1980, 1, 1)) -> bytes:
    """Parts in a fixed order, with a fixed timestamp, so that the same parts give the same bytes."""
    order = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0) if when.year >= 1980 else (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, parts[name], compresslevel=1 if name.endswith(_FAST) else 6)
    return out.getvalue()


def deterministic_zip(docx: bytes, when: dt.date) -> bytes:
    """Rewrite a DOCX with fixed entry order and timestamps (the date ``when``) so that two renders match."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    return zip_parts({name: source.read(name) for name in source.namelist()}, when)
