"""The last touches of a PDF before it is written: PDF/UA-1 on top of what WeasyPrint tags.

WeasyPrint 70 tags the document (``pdf_tags``) but leaves what PDF/UA-1 (ISO 14289-1) asks beyond
its HTML mapping: the PDF/UA identification in the XMP, the ``/Scope`` of header cells, list items
whose paragraphs sit beside the label instead of inside a ``LBody``, rows of a table cut by a page
break, and the reading direction of an Arabic document. :class:`Finisher` is WeasyPrint's public
``finisher`` hook of ``write_pdf``: it edits the PDF objects in memory, before they are serialised, so
the bytes stay deterministic. The exact text layer (:mod:`publisher.render.pdftext`) adds its fonts here.

References: ISO 14289-1 (PDF/UA-1) and the checks of veraPDF's ``ua1`` profile (clauses 5, 7.2, 7.5,
7.18.5); ISO 32000-1 14.8.4 (standard structure types), 14.8.5 (attributes), 12.2 (viewer preferences).
"""

from __future__ import annotations

from dataclasses import dataclass

import pydyf

from . import pdftext

_PDFUA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
    b"<pdfuaid:part>1</pdfuaid:part></rdf:Description>"
    # PDF/A accepts only the properties of its predefined schemas or of a declared extension schema.
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    b'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b"<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    b"<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType=\"Resource\">"
    b"<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property>"
    b"</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
)


class _Objects:
    """The objects of a pydyf PDF by reference, and the structure elements among them."""

    def __init__(self, pdf: pydyf.PDF):
        self.pdf = pdf

    def get(self, reference):
        """The object a reference (``b"12 0 R"``) points at; other values are returned as they are."""
        if isinstance(reference, (bytes, str)):
            text = reference.decode() if isinstance(reference, bytes) else reference
            parts = text.split()
            if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
                return self.pdf.objects[int(parts[0])]
        return reference

    def elements(self):
        """Every structure element, in object order."""
        return [obj for obj in self.pdf.objects if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"]

    def kids(self, element) -> list:
        """The structure elements among the kids of ``element``."""
        return [kid for kid in (self.get(k) for k in element.get("K", ())) if isinstance(kid, pydyf.Dictionary)
                and kid.get("Type") == "/StructElem"]

    def new_element(self, tag: str, parent, kids: list) -> pydyf.Dictionary:
        """A new structure element ``tag`` under ``parent`` holding ``kids`` (re-parented)."""
        element = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{tag}", "K": pydyf.Array(), "P": parent.reference})
        if "Pg" in parent:
            element["Pg"] = parent["Pg"]
        self.pdf.add_object(element)
        for kid in kids:
            element["K"].append(kid.reference)
            kid["P"] = element.reference
        return element


def _header_scopes(objects: _Objects) -> None:
    """``/Scope`` on every TH: a header of the table head heads its column, any other one its row."""
    for element in objects.elements():
        if element.get("S") != "/TH":
            continue
        row = objects.get(element.get("P"))
        group = objects.get(row.get("P")) if isinstance(row, pydyf.Dictionary) else None
        head = isinstance(group, pydyf.Dictionary) and group.get("S") == "/THead"
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Column" if head else "/Row"


def _list_bodies(objects: _Objects) -> None:
    """A list item holds only its label and its body: what sits beside them goes into a ``LBody``."""
    for element in objects.elements():
        if element.get("S") != "/LI":
            continue
        kids, loose = [], []
        for reference in element.get("K", ()):
            kid = objects.get(reference)
            is_element = isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/StructElem"
            if is_element and kid.get("S") in ("/Lbl", "/LBody"):
                if loose:
                    kids.append(objects.new_element("LBody", element, loose).reference)
                    loose = []
                kids.append(reference)
            elif is_element:
                loose.append(kid)
            else:
                kids.append(reference)  # marked content or an annotation: left where it is
        if loose:
            kids.append(objects.new_element("LBody", element, loose).reference)
        element["K"] = pydyf.Array(kids)


def _link_parents(objects: _Objects) -> None:
    """A link annotation belongs to a ``Link`` element: WeasyPrint puts the one of an inline element
    inside a link (a code in a sommaire entry) in that element's ``Span``."""
    for element in objects.elements():
        if element.get("S") == "/Link":
            continue
        for kid in (objects.get(k) for k in element.get("K", ())):
            if isinstance(kid, pydyf.Dictionary) and kid.get("Type") == "/OBJR":
                annotation = objects.get(kid.get("Obj"))
                if isinstance(annotation, pydyf.Dictionary) and annotation.get("Subtype") == "/Link":
                    element["S"] = "/Link"
                    break


def _rows(objects: _Objects, table) -> list[tuple[object, list]]:
    """The rows of a table element with their group (THead, TBody, TFoot or the table itself)."""
    rows = []
    for kid in objects.kids(table):
        if kid.get("S") == "/TR":
            rows.append((table, kid))
        elif kid.get("S") in ("/THead", "/TBody", "/TFoot"):
            rows.extend((kid, row) for row in objects.kids(kid) if row.get("S") == "/TR")
    return rows


def _span(cell, key: str) -> int:
    attributes = cell.get("A")
    return int(attributes.get(key, 1)) if isinstance(attributes, pydyf.Dictionary) else 1


def _table_grids(objects: _Objects) -> None:
    """Every row of a table element spans as many columns as the others.

    WeasyPrint makes one table element per page: a cell spanning rows beyond the page break keeps its
    row span, and the rows of the next page lack that cell. Row spans are cut at the end of their
    group, and a short row starts with an empty cell standing for the one it continues.
    """
    for table in [e for e in objects.elements() if e.get("S") == "/Table"]:
        rows = _rows(objects, table)
        for index, (group, row) in enumerate(rows):
            left = sum(1 for g, _ in rows[index:] if g is group)
            for cell in objects.kids(row):
                if _span(cell, "RowSpan") > left:
                    if left > 1:
                        cell["A"]["RowSpan"] = left
                    else:
                        del cell["A"]["RowSpan"]
        widths, carry = [], []
        for group, row in rows:
            carry = [n - 1 for n in carry if n > 1]
            cells = objects.kids(row)
            widths.append(len(carry) + sum(_span(cell, "ColSpan") for cell in cells))
            carry += [_span(cell, "RowSpan") for cell in cells for _ in range(_span(cell, "ColSpan"))]
        if not widths:
            continue
        for (group, row), width in zip(rows, widths):
            if width < max(widths):
                filler = objects.new_element("TD", row, [])
                filler["A"] = pydyf.Dictionary({"O": "/Table"})
                if max(widths) - width > 1:
                    filler["A"]["ColSpan"] = max(widths) - width
                row["K"].insert(0, filler.reference)


def _part_languages(objects: _Objects, parts: tuple[tuple[int, str], ...]) -> None:
    """``/Lang`` on the top structure elements of each part (a page's elements are its own in WeasyPrint)."""
    languages = []
    for pages, lang in parts:
        languages.extend([lang] * pages)
    page_of = {bytes(ref) if isinstance(ref, bytes) else str(ref).encode(): n
               for n, ref in enumerate(objects.pdf.page_references)}
    root = objects.get(objects.pdf.catalog["StructTreeRoot"])
    for document in objects.kids(root):
        for element in objects.kids(document):
            page = element.get("Pg")
            key = page if isinstance(page, bytes) else str(page).encode()
            if key in page_of and page_of[key] < len(languages):
                element["Lang"] = pydyf.String(languages[page_of[key]])


@dataclass(frozen=True)
class Finisher:
    """WeasyPrint's ``finisher``: the PDF/UA-1 touches, and the reading direction of the document.

    ``parts`` are the languages of the documents put one after the other, with their page counts;
    the first one sets the reading direction (the bilingual volume starts in French: left to right).
    """

    parts: tuple[tuple[int, str], ...]

    def __call__(self, document, pdf: pydyf.PDF) -> None:
        objects = _Objects(pdf)
        pdftext.finish_fonts(document, pdf)
        _header_scopes(objects)
        _list_bodies(objects)
        _link_parents(objects)
        _table_grids(objects)
        if len({lang for _, lang in self.parts}) > 1:
            _part_languages(objects, self.parts)
        self._metadata(objects)
        preferences = pdf.catalog.get("ViewerPreferences")
        if not isinstance(preferences, pydyf.Dictionary):
            preferences = pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        preferences["Direction"] = "/R2L" if self.parts[0][1] == "ar" else "/L2R"

    @staticmethod
    def _metadata(objects: _Objects) -> None:
        """The PDF/UA-1 identification, beside WeasyPrint's PDF/A one, in the XMP packet."""
        metadata = objects.get(objects.pdf.catalog.get("Metadata"))
        if not isinstance(metadata, pydyf.Stream):
            raise ValueError("PDF sans métadonnées XMP")
        packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in metadata.stream)
        if b"</rdf:RDF>" not in packet:
            raise ValueError("XMP sans rdf:RDF")
        metadata.stream = [packet.replace(b"</rdf:RDF>", _PDFUA_XMP + b"</rdf:RDF>", 1)]
