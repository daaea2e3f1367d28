"""The raw OOXML helpers (publisher/render/ooxml.py): schema order, direction, fields, packages."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from publisher.render import ooxml


def _tags(element) -> list[str]:
    return [child.tag.split("}")[1] for child in element]


def test_properties_are_inserted_at_their_place_in_the_schema_sequence() -> None:
    """Word refuses misordered properties (LibreOffice does not): each setter keeps the order."""
    paragraph = OxmlElement("w:p")
    ppr = ooxml.ppr(paragraph)
    ooxml.set_justification(ppr, "center")
    ooxml.set_spacing(ppr, before=2, after=4)
    ooxml.keep_with_next(ppr)
    ooxml.set_bidi(paragraph)
    ooxml.outline_level(ppr, 1)
    tags = _tags(ppr)
    assert tags == sorted(tags, key=ooxml.PPR_ORDER.index)
    assert {"keepNext", "bidi", "spacing", "jc", "outlineLvl"} <= set(tags)
    run = OxmlElement("w:r")
    rpr = ooxml.rpr(run)
    ooxml.set_lang(rpr, "fr-FR", "ar-MA")
    ooxml.set_size(rpr, 11)
    ooxml.set_bold(rpr)
    ooxml.set_fonts(rpr, "Amiri", cs="Amiri")
    tags = _tags(rpr)
    assert tags == sorted(tags, key=ooxml.RPR_ORDER.index)


def test_child_returns_the_existing_element_or_replaces_it_when_asked() -> None:
    ppr = OxmlElement("w:pPr")
    first = ooxml.child(ppr, "jc", ooxml.PPR_ORDER, {"val": "start"})
    assert ooxml.child(ppr, "jc", ooxml.PPR_ORDER) is first
    second = ooxml.child(ppr, "jc", ooxml.PPR_ORDER, {"val": "end"}, replace=True)
    assert second is not first and len(ppr) == 1 and second.get(qn("w:val")) == "end"


@pytest.mark.parametrize("text, expected", [
    ("الإجراء A1.1.1.1 للفترة", [("الإجراء ", True), ("A1.1.1.1", False), (" للفترة", True)]),
    ("لجنة CPPE، DAS", [("لجنة ", True), ("CPPE", False), ("، ", True), ("DAS", False)]),
    ("Budget 2025", [("Budget 2025", False)]),
    ("", []),
])
def test_directional_segments_keep_codes_and_acronyms_whole(text, expected) -> None:
    assert ooxml.directional_segments(text) == expected
    assert "".join(piece for piece, _ in ooxml.directional_segments(text)) == text


def test_a_field_has_begin_instruction_cached_result_and_end() -> None:
    runs = ooxml.field('PAGEREF _Toc1 \\h', "7")
    kinds = [r.find(qn("w:fldChar")).get(qn("w:fldCharType")) if r.find(qn("w:fldChar")) is not None else
             ("instr" if r.find(qn("w:instrText")) is not None else "result") for r in runs]
    assert kinds == ["begin", "instr", "separate", "result", "end"]
    assert runs[1].find(qn("w:instrText")).text == ' PAGEREF _Toc1 \\h '
    assert runs[3].find(qn("w:t")).text == "7"
    assert runs[0].find(qn("w:fldChar")).get(qn("w:dirty")) is None
    assert ooxml.field("NUMPAGES", dirty=True)[0].find(qn("w:fldChar")).get(qn("w:dirty")) == "true"


def test_font_obfuscation_is_the_standards_xor_and_its_own_inverse() -> None:
    """ECMA-376 17.8.1: the first 32 bytes XOR the key's 16 bytes in reverse order, the rest as it is."""
    key = ooxml.font_key("Amiri", "regular")
    assert key == ooxml.font_key("Amiri", "regular") != ooxml.font_key("Amiri", "bold")  # stable, per face
    data = bytes(range(256)) * 4
    hidden = ooxml.obfuscate_font(data, key)
    raw = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    assert hidden[0] == data[0] ^ raw[0] and hidden[17] == data[17] ^ raw[1]
    assert hidden[32:] == data[32:] and hidden[:32] != data[:32]
    assert ooxml.obfuscate_font(hidden, key) == data


def test_deterministic_zip_orders_parts_and_fixes_their_date() -> None:
    parts = {"word/document.xml": b"<d/>", "z.png": b"\x89PNG", "[Content_Types].xml": b"<t/>", "_rels/.rels": b"<r/>"}
    made = io.BytesIO()
    with zipfile.ZipFile(made, "w") as archive:
        for name, data in reversed(parts.items()):
            archive.writestr(name, data)
    one = ooxml.deterministic_zip(made.getvalue(), dt.date(2025, 3, 18))
    assert one == ooxml.deterministic_zip(one, dt.date(2025, 3, 18))
    entries = zipfile.ZipFile(io.BytesIO(one)).infolist()
    assert [e.filename for e in entries] == ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "z.png"]
    assert {e.date_time for e in entries} == {(2025, 3, 18, 0, 0, 0)}
    assert next(e for e in entries if e.filename == "z.png").compress_type == zipfile.ZIP_STORED


def test_update_fields_is_asked_and_taken_back() -> None:
    settings = OxmlElement("w:settings")
    ooxml.child(settings, "defaultTabStop", ooxml.SETTINGS_ORDER, {"val": "709"})
    ooxml.child(settings, "embedTrueTypeFonts", ooxml.SETTINGS_ORDER)
    ooxml.child(settings, "compat", ooxml.SETTINGS_ORDER)
    ooxml.update_fields_on_open(settings)
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    tags = _tags(settings)
    assert tags == sorted(tags, key=ooxml.SETTINGS_ORDER.index)
    ooxml.update_fields_on_open(settings, on=False)
    assert settings.find(qn("w:updateFields")) is None


def test_millimetres_are_twips() -> None:
    assert ooxml.mm(25.4) == 1440 and ooxml.mm(210) == 11906
