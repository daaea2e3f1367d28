"""One volume of two documents (the bilingual edition): the second document's body, styles (renamed),
lists, pictures, links, headers and footers appended to the first, each part in its own section.
"""

from __future__ import annotations

import io
from copy import deepcopy

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.parts.hdrftr import FooterPart, HeaderPart
from lxml import etree

from .blocks import new_story, section_break, set_section_start
from .props import set_lang
from .schema import O, PPR_ORDER, RPR_ORDER, STYLE_ORDER, child, paragraph_style, ppr


_RELATIONSHIP_ATTRIBUTES = (qn("r:id"), qn("r:embed"), qn("r:link"))
# the names _repoint compares every element of a story with, resolved once (a plan has some 100 000)
_P, _VAL, _ID, _NAME = qn("w:p"), qn("w:val"), qn("w:id"), qn("w:name")
_STYLE_REFERENCES = frozenset({qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")})
_BOOKMARKS = frozenset({qn("w:bookmarkStart"), qn("w:bookmarkEnd")})
_NUM_ID, _HYPERLINK, _ANCHOR = qn("w:numId"), qn("w:hyperlink"), qn("w:anchor")
_INSTR_TEXT, _DOC_PR = qn("w:instrText"), qn("wp:docPr")


def append_document(master, other, tag: str = "ar", *, start: str = "nextPage",
                    lang: tuple[str, str] | None = None) -> None:
    """Append the python-docx document ``other`` to ``master``, on a new page, keeping its own look.

    Word has one set of styles per document, so ``other``'s styles are copied under new ids
    (``Corps`` becomes ``Corpsar``, "Corps" becomes "Corps ar") and its paragraphs, runs and tables
    point at the copies; its lists, bookmarks, drawings, links, pictures, headers and footers are
    renumbered or related anew. ``other``'s last section ends the volume. ``start`` is how its first
    section starts (``oddPage``: on the next right-hand page); ``lang`` (Latin, bidi), when given,
    is declared by every copied paragraph style, so that the appended part reads as its language
    whatever the master's defaults.
    """
    body, extra = master.element.body, other.element.body
    first = extra.find(f".//{qn('w:sectPr')}")
    if first is not None:
        set_section_start(first, start)
    styles = _append_styles(master.styles.element, other.styles.element, tag, lang)
    numbers = _append_numbering(master.part.numbering_part.element, other.part.numbering_part.element)
    relationships, stories = _relate_anew(master, other)
    offsets = {
        "bookmark": max((int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart"))), default=0),
        "drawing": max((int(d.get("id")) for d in body.xpath("//wp:docPr")), default=0),
    }
    for root in (extra, *stories):
        _repoint(root, styles, numbers, relationships, offsets, tag)
    # the master's last section ends where the other document begins
    body.append(section_break(body.find(qn("w:sectPr"))))
    for element in list(extra):
        body.append(element)  # the other's final sectPr closes the volume


def _repoint(root, styles, numbers, relationships, offsets, tag: str) -> None:
    """Point the elements of an appended story at the copied styles, lists, bookmarks and relationships."""
    normal = f"Normal{tag}"
    bookmarks, drawings = offsets["bookmark"], offsets["drawing"]
    for element in root.iter():
        name = element.tag
        if not isinstance(name, str):
            continue
        if name == _P:
            if paragraph_style(element) is None:
                child(ppr(element), "pStyle", PPR_ORDER, {"val": normal})  # not the master's Normal
        elif name in _STYLE_REFERENCES:
            element.set(_VAL, styles.get(element.get(_VAL), element.get(_VAL)))
        elif name == _NUM_ID and element.get(_VAL) != "0":
            element.set(_VAL, str(numbers[int(element.get(_VAL))]))
        elif name in _BOOKMARKS:
            element.set(_ID, str(int(element.get(_ID)) + bookmarks))
            if element.get(_NAME):
                element.set(_NAME, f"{element.get(_NAME)}_{tag}")
        elif name == _HYPERLINK and element.get(_ANCHOR):
            element.set(_ANCHOR, f"{element.get(_ANCHOR)}_{tag}")
        elif name == _INSTR_TEXT and (element.text or "").strip().startswith("PAGEREF"):
            words = element.text.split()
            words[1] = f"{words[1]}_{tag}"
            element.text = f" {' '.join(words)} "
        elif name == _DOC_PR:
            element.set("id", str(int(element.get("id")) + drawings))
        for attribute in _RELATIONSHIP_ATTRIBUTES:
            if element.get(attribute) in relationships:
                element.set(attribute, relationships[element.get(attribute)])


def _append_styles(master, other, tag: str, lang: tuple[str, str] | None = None) -> dict[str, str]:
    """Copy every style of ``other`` into ``master`` under a new id and name; the old id -> new id."""
    renamed = {s.get(qn("w:styleId")): f"{s.get(qn('w:styleId'))}{tag}" for s in other.findall(qn("w:style"))}
    for style_ in other.findall(qn("w:style")):
        copy = deepcopy(style_)
        copy.set(qn("w:styleId"), renamed[style_.get(qn("w:styleId"))])
        copy.attrib.pop(qn("w:default"), None)
        name = copy.find(qn("w:name"))
        name.set(qn("w:val"), f"{name.get(qn('w:val'))} {tag}")
        for ref in ("basedOn", "next", "link"):
            element = copy.find(qn(f"w:{ref}"))
            if element is not None and element.get(qn("w:val")) in renamed:
                element.set(qn("w:val"), renamed[element.get(qn("w:val"))])
        if lang and copy.get(qn("w:type")) == "paragraph":
            set_lang(child(copy, "rPr", STYLE_ORDER), *lang)
        master.append(copy)
    # the copies carry the other document's defaults (font, size, direction) through its Normal style
    normal = master.find(f"{qn('w:style')}[@{qn('w:styleId')}='Normal{tag}']")
    defaults = other.find(qn("w:docDefaults"))
    if normal is not None and defaults is not None:
        for pr_tag, order, default_tag in (("rPr", RPR_ORDER, "rPrDefault"), ("pPr", PPR_ORDER, "pPrDefault")):
            source = defaults.find(f"{qn(f'w:{default_tag}')}/{qn(f'w:{pr_tag}')}")
            target = child(normal, pr_tag, STYLE_ORDER)
            for item in source if source is not None else ():
                if target.find(item.tag) is None:
                    local = etree.QName(item).localname
                    placed = child(target, local, order)
                    for key, value in item.attrib.items():
                        placed.set(key, value)
    return renamed


def _append_numbering(master, other) -> dict[int, int]:
    """Copy the lists of ``other`` into ``master`` under new ids; the old numId -> new numId."""
    abstract_offset = max((int(a.get(qn("w:abstractNumId"))) for a in master.iter(qn("w:abstractNum"))), default=0)
    num_offset = max((int(n.get(qn("w:numId"))) for n in master.iter(qn("w:num"))), default=0)
    first_num = master.find(qn("w:num"))
    for abstract in other.iter(qn("w:abstractNum")):
        copy = deepcopy(abstract)
        copy.set(qn("w:abstractNumId"), str(int(abstract.get(qn("w:abstractNumId"))) + abstract_offset))
        if first_num is not None:
            first_num.addprevious(copy)  # every abstractNum before the first num (schema order)
        else:
            master.append(copy)
    mapping = {}
    for num in other.iter(qn("w:num")):
        copy = deepcopy(num)
        old = int(num.get(qn("w:numId")))
        mapping[old] = old + num_offset
        copy.set(qn("w:numId"), str(mapping[old]))
        ref = copy.find(qn("w:abstractNumId"))
        ref.set(qn("w:val"), str(int(ref.get(qn("w:val"))) + abstract_offset))
        master.append(copy)
    return mapping


def _relate_anew(master, other) -> tuple[dict[str, str], list]:
    """Relate to ``master`` what ``other``'s body points at: links, pictures, headers and footers.

    Returns the other's relationship id -> the master's, and the copied header and footer roots.
    The headers and footers become new parts of the master, their watermark shapes renumbered.
    """
    shapes = len(master.element.xpath("//*[local-name()='shape']"))
    for rel in master.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            shapes += len(rel.target_part.element.xpath(".//*[local-name()='shape']"))
    mapping, stories = {}, []
    for rid, rel in sorted(other.part.rels.items()):
        if rel.is_external and rel.reltype == RT.HYPERLINK:
            mapping[rid] = master.part.relate_to(rel.target_ref, RT.HYPERLINK, is_external=True)
        elif rel.reltype == RT.IMAGE:
            mapping[rid], _ = master.part.get_or_add_image(io.BytesIO(rel.target_part.blob))
        elif rel.reltype in (RT.HEADER, RT.FOOTER):
            kind = HeaderPart if rel.reltype == RT.HEADER else FooterPart
            part = new_story(master.part.package, kind, deepcopy(rel.target_part.element))
            for shape in part._element.xpath(".//*[local-name()='shape']"):
                shapes += 1
                shape.set("id", f"PowerPlusWaterMarkObject{shapes}")
                shape.set(f"{{{O}}}spid", f"_x0000_s{2048 + shapes}")
            mapping[rid] = master.part.relate_to(part, rel.reltype)
            stories.append(part._element)
    return mapping, stories
