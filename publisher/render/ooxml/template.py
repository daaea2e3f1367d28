"""Templates as an office saves them: before rendering, a template edited in Word or LibreOffice is
brought back to what the renderer needs (tags cut into runs joined, styles found by name, breaks moved
out of ``{%p %}`` paragraphs, embedded fallback fonts dropped, the core-properties relationship
standardised), without touching its look.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from .package import xml_bytes, zip_parts, update_fields_on_open
from .numbering import numbering_instance
from .schema import PPR_ORDER, REL_FONT, W, child, ppr, new_element


# Some writers (LibreOffice among them) relate the core properties with this type, which python-docx
# does not know: it would add a second docProps/core.xml beside the first.
_CORE_PROPERTIES_OFFICE = "http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties"


_STYLE_REFERENCES = ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link", "numStyleLink", "styleLink")


_BLOCK_TAG = re.compile(r"^\s*(\{%-?\s*p\s.*%\}|\{\{\s*p\s.*\}\})\s*$", re.DOTALL)


_OPENING_TAG = re.compile(r"^\s*\{%-?\s*p\s+(for|if)\b")


def normalize_template(data: bytes, style_names: dict[str, str], lists: dict | None = None) -> bytes:
    """A DOCX template as Word or LibreOffice saved it, in the shape the renderer fills.

    An office restyles a template in its word processor, which rewrites the package on saving:

    - the style ids follow the editor and its language (LibreOffice writes ``Heading1`` where Word
      in French writes ``Titre1``), while the renderer names its styles by id: each style named in
      ``style_names`` (id -> name, compared without case, as Word does for built-in names) gets back
      its id, and every reference to it follows;
    - a word processor cuts a run wherever an edit or a spelling mark fell, so a tag may spread over
      several runs: the runs a tag spans are joined into its first one (docxtpl mends some such
      cuts, not all: a ``{% vm %}`` cut in two leaves its cells unmerged);
    - section and page breaks move into the paragraph before them, which may be a docxtpl paragraph
      tag (``{%p endfor %}``) that the render replaces whole: they are moved out of it; a page break
      that opens a paragraph (LibreOffice's way after a table) becomes its "page break before";
    - the fonts the editor embedded (its fallbacks, megabytes of them) are dropped: the renderer
      embeds the edition's own typefaces;
    - the lists that no paragraph of the template uses are rewritten by LibreOffice (numbers become
      bullets, bullets nothing): each list of ``lists`` (num id -> ``w:abstractNum``) whose level
      formats differ from it is defined again (a list restyled with the same formats is kept);
    - the core properties keep their standard relationship, so that there is one docProps/core.xml;
    - Word is asked again to update the fields on opening (the page numbers of the sommaire).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(_CORE_PROPERTIES_OFFICE.encode(), RT.CORE_PROPERTIES.encode())

    renamed = _canonical_style_ids(etree.fromstring(parts["word/styles.xml"]), style_names)
    for name in [n for n in parts if n.startswith("word/") and n.endswith(".xml") and n.count("/") == 1]:
        root = etree.fromstring(parts[name])
        changed = name == "word/styles.xml" and bool(renamed)
        for element in root.iter(*(qn(f"w:{tag}") for tag in _STYLE_REFERENCES)):
            value = element.get(qn("w:val"))
            if value in renamed:
                element.set(qn("w:val"), renamed[value])
                changed = True
        if name == "word/styles.xml":
            for style in root.iter(qn("w:style")):
                if style.get(qn("w:styleId")) in renamed:
                    style.set(qn("w:styleId"), renamed[style.get(qn("w:styleId"))])
        if name == "word/document.xml" or name.startswith(("word/header", "word/footer")):
            changed = _join_split_tags(root) or changed
        if name == "word/document.xml":
            changed = _breaks_out_of_tags(root) or changed
            changed = _leading_page_breaks(root) or changed
        if name == "word/fontTable.xml":
            changed = _drop_embedded_fonts(root, parts) or changed
        if name == "word/settings.xml":
            update_fields_on_open(root, on=False)  # the renderer asks for it where it fills a sommaire
            changed = True
        if name == "word/numbering.xml" and lists:
            changed = _repair_lists(root, lists) or changed
        if changed:
            parts[name] = xml_bytes(root)
    return zip_parts(parts)


def _list_formats(abstract) -> list[tuple[str, str]]:
    return [(lvl.get(qn("w:ilvl")), lvl.find(qn("w:numFmt")).get(qn("w:val")) if lvl.find(qn("w:numFmt")) is not None
             else "") for lvl in abstract.findall(qn("w:lvl"))]


def _repair_lists(numbering, lists: dict) -> bool:
    """Define again each list of ``lists`` whose levels no longer have the expected formats."""
    repaired = False
    abstracts = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    nums = {n.get(qn("w:numId")): n for n in numbering.findall(qn("w:num"))}
    for num_id, wanted in lists.items():
        num = nums.get(str(num_id))
        abstract = abstracts.get(num.find(qn("w:abstractNumId")).get(qn("w:val"))) if num is not None else None
        formats = _list_formats(wanted)
        if abstract is not None and _list_formats(abstract)[:len(formats)] == formats:
            continue
        fresh = deepcopy(wanted)
        abstract_id = str(max([int(i) for i in abstracts] + [0]) + 1)
        fresh.set(qn("w:abstractNumId"), abstract_id)
        abstracts[abstract_id] = fresh
        last = numbering.findall(qn("w:abstractNum"))
        if last:
            last[-1].addnext(fresh)  # every w:abstractNum comes before the first w:num
        else:
            numbering.insert(0, fresh)
        if num is None:
            num = numbering_instance(num_id, int(abstract_id))
            numbering.append(num)
        num.find(qn("w:abstractNumId")).set(qn("w:val"), abstract_id)
        repaired = True
    return repaired


def _canonical_style_ids(styles, style_names: dict[str, str]) -> dict[str, str]:
    """Old id -> new id: the styles of ``style_names`` saved under another id get theirs back, and a
    style of another name that holds one of those ids gives it up."""
    wanted = {name.casefold(): style_id for style_id, name in style_names.items()}
    present = {}
    for style in styles.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        present[style.get(qn("w:styleId"))] = name.get(qn("w:val")).casefold() if name is not None else ""
    holders = {}  # canonical id -> the id of the style that takes it (the one already holding it first)
    for old, name in present.items():
        new = wanted.get(name)
        if new is not None and (new not in holders or old == new):
            holders[new] = old
    renamed = {old: new for new, old in holders.items() if old != new}
    for new in list(renamed.values()):
        if new in present and new not in renamed:
            fresh = new + "x"
            while fresh in present or fresh in renamed.values():
                fresh += "x"
            renamed[new] = fresh
    return renamed


_TAGS = re.compile(r"(?:\{[{%#].*?[}%#]\})+", re.DOTALL)  # a tag, or tags side by side ({% vm %}{{ x }})


_ZERO_WIDTH = {qn(f"w:{tag}") for tag in ("proofErr", "bookmarkStart", "bookmarkEnd", "permStart", "permEnd")}


_TEXT_RUN_CHILDREN = {qn("w:rPr"), qn("w:t"), qn("w:lastRenderedPageBreak")}


def _join_split_tags(root) -> bool:
    """Join the runs that one docxtpl tag spreads over, so that each tag lies whole in one run
    (and tags side by side in one run together: docxtpl merges a ``{% vm %}`` cell's run only)."""
    changed = False
    for paragraph_ in root.iter(qn("w:p")):
        while _join_first_split_tag(paragraph_):
            changed = True
    return changed


def _join_first_split_tag(paragraph_) -> bool:
    """Join the runs of the first tag of ``paragraph_`` that spans several runs; False if there is none."""
    sequence: list = []  # consecutive text runs (and the zero-width marks between them)
    for element in [*paragraph_, None]:
        if element is not None and element.tag in _ZERO_WIDTH:
            sequence.append(element)
            continue
        if element is not None and element.tag == qn("w:r") and all(c.tag in _TEXT_RUN_CHILDREN for c in element):
            sequence.append(element)
            continue
        runs = [e for e in sequence if e.tag == qn("w:r")]
        texts = ["".join(t.text or "" for t in r.findall(qn("w:t"))) for r in runs]
        starts = [sum(len(t) for t in texts[:i]) for i in range(len(texts))]
        for match in _TAGS.finditer("".join(texts)):
            first = max(i for i, start in enumerate(starts) if start <= match.start())
            last = max(i for i, start in enumerate(starts) if start < match.end())
            if first == last:
                continue
            keep = runs[first]
            for t in keep.findall(qn("w:t"))[1:]:
                keep.remove(t)
            t = keep.find(qn("w:t"))
            t.text = "".join(texts[first:last + 1])
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            for between in sequence[sequence.index(keep) + 1:sequence.index(runs[last]) + 1]:
                paragraph_.remove(between)
            return True
        sequence = []
    return False


def _breaks_out_of_tags(body_root) -> bool:
    """Move the section and page breaks that a docxtpl paragraph tag holds out of it.

    A word processor puts a section break in the last paragraph of its section, and writes the
    "page break before" of a paragraph as a page break at the end of the previous one: either may
    land in a tag's paragraph, which the render replaces whole. A section break goes into an empty
    paragraph of its own beside the tag; a page break becomes "page break before" on the next
    paragraph that is not a tag (none when a section break already starts a new page).
    """
    moved = False
    paragraphs = list(body_root.iter(qn("w:p")))
    tags = {id(p) for p in paragraphs if _BLOCK_TAG.match("".join(t.text or "" for t in p.iter(qn("w:t"))))}
    for paragraph_ in paragraphs:
        if id(paragraph_) not in tags:
            continue
        text = "".join(t.text or "" for t in paragraph_.iter(qn("w:t")))
        sect_pr = paragraph_.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        page_breaks = paragraph_.xpath("./w:r/w:br[@w:type='page']", namespaces={"w": W})
        if sect_pr is not None:
            holder = new_element("w:p")
            ppr(holder).append(sect_pr)  # moves it out of the tag's paragraph
            if _OPENING_TAG.match(text):
                paragraph_.addprevious(holder)  # the section ends before the loop or the condition
            else:
                paragraph_.addnext(holder)
            moved = True
        elif page_breaks:
            following = paragraph_.getnext()
            while following is not None and following.tag == qn("w:p") and id(following) in tags:
                following = following.getnext()
            if following is not None and following.tag == qn("w:p"):
                child(ppr(following), "pageBreakBefore", PPR_ORDER, replace=True)
                moved = True
        for br in page_breaks:
            br.getparent().remove(br)
    return moved


def _leading_page_breaks(body_root) -> bool:
    """A paragraph that opens with a page break, before any text, gets "page break before" instead.

    LibreOffice writes the "page break before" of a paragraph that follows a table as a page break run
    at its start: Word then leaves the paragraph's mark, and its sommaire entry, on the page before.
    """
    moved = False
    for paragraph_ in body_root.iter(qn("w:p")):
        if paragraph_.getparent().tag != qn("w:body") or not any(t.text for t in paragraph_.iter(qn("w:t"))):
            continue  # in a table cell, or a page break alone in its paragraph: left as it is
        for run in list(paragraph_.iterchildren(qn("w:r"))):
            content = [item for item in run if item.tag != qn("w:rPr")]
            if not content:
                continue
            if all(item.tag == qn("w:br") and item.get(qn("w:type")) == "page" for item in content):
                paragraph_.remove(run)
                child(ppr(paragraph_), "pageBreakBefore", PPR_ORDER, replace=True)
                moved = True
                continue
            break
    return moved


def _drop_embedded_fonts(font_table, parts: dict[str, bytes]) -> bool:
    """Remove the fonts a word processor embedded in the template, with their parts."""
    embeds = [e for e in font_table.iter() if isinstance(e.tag, str) and e.tag.startswith(f"{{{W}}}embed")]
    if not embeds:
        return False
    rels_name = "word/_rels/fontTable.xml.rels"
    rels = etree.fromstring(parts[rels_name]) if rels_name in parts else None
    for embed in embeds:
        embed.getparent().remove(embed)
    if rels is not None:
        for rel in list(rels):
            if rel.get("Type") == REL_FONT:
                parts.pop("word/" + rel.get("Target").lstrip("/").removeprefix("word/"), None)
                rels.remove(rel)
        parts[rels_name] = xml_bytes(rels)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.get("PartName", "").lstrip("/") not in parts and override.get("PartName"):
            types.remove(override)
    parts["[Content_Types].xml"] = xml_bytes(types)
    return True
