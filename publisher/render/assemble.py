"""Several finished tagged PDFs merged into one, at the PDF level (pikepdf).

Each part is a PDF WeasyPrint wrote and :mod:`publisher.render.pdfpost` finished (PDF/A-3a, PDF/UA-1):
a cover, a plan's body, a fiche. Laying out a page is what costs; merging the objects of written
pages is cheap, so a fiche is laid out once per build and language and its pages go into the annex
file, the acteurs' bundles and the plan document alike. :func:`merge` keeps what the parts were:

- the pages, one after the other, with their annotations;
- one structure tree: a ``Document`` element whose kids are each part's top element, turned into a
  ``Part`` carrying the part's ``/Lang``; the parent tree and every ``/StructParents`` and
  ``/StructParent`` renumbered, the role and class maps merged;
- the named destinations, each prefixed by its part's scope (``fr:canevas``), so that a link goes
  to its own edition; a link written ``part:<anchor>`` (a sommaire laid out apart from the pages it
  lists) becomes a link to ``<anchor>`` in its scope;
- the bookmarks, under one bookmark per group when asked (the bilingual volume nests per language);
- the catalogue's language, reading direction, XMP, output intent and mark information, set once.

The page footers ("Version du … — page X / Y") are drawn after merging, from a small document of
footers laid out by WeasyPrint: :func:`overlay` puts each of its pages on an output page as a Form
XObject marked as a pagination artifact, so the numbers run through the whole volume and stay text.
Bytes are deterministic: the same parts give the same file, its ``/ID`` derived from its content.

References: ISO 32000-1 14.7 (logical structure), 14.8.2.2 (artifacts), 12.3.2 (destinations),
12.3.3 (outlines), 8.10 (form XObjects); ISO 14289-1 7.1 (artifacts), 7.2 (language).
"""

from __future__ import annotations

import io
import re
import struct
import sys
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import gt

import pikepdf
from pikepdf import Array, Dictionary, Name, String

LINK_SCHEME = "part:"  # part:<anchor> (same scope) or part:<scope>#<anchor>: a link to another part (see the module)
_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"


@dataclass(frozen=True)
class Part:
    """One finished PDF to merge: its bytes, the scope of its anchors, its language, its bookmark group."""

    data: bytes
    scope: str  # parts of one edition share a scope: their links and anchors meet
    lang: str
    group: str | None = None  # the title of the bookmark this part's bookmarks nest under, if any
    numbered: tuple[bool, ...] = ()  # per page: whether it carries the footer (all when empty)
    level: int = 1  # the heading level of its first bookmarks: they go under the last bookmark before them of a
    # lower level (a plan's fiches, 2, under "Annexes"; an objectif général's canevas, 3, under its priority)
    pages: int = 0  # its page count, when known (as laid out); 0: read from its bytes (:func:`page_count`)


@dataclass(frozen=True)
class Metadata:
    """What the merged file says of itself: Info and XMP, set once."""

    lang: str  # the document's language (its first part's)
    direction: str  # "/L2R" or "/R2L"
    title: str | None = None  # None: the first part's
    subject: str | None = None
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) beside the default one
    subjects: tuple[tuple[str, str], ...] = ()


@dataclass
class Layout:
    """The pages of a merged file as the footers need them: size, language, whether numbered."""

    sizes: list[tuple[float, float]] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    numbered: list[bool] = field(default_factory=list)


def page_count(data: bytes) -> int:
    """The number of pages of a PDF."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def anchors(data: bytes) -> dict[str, int]:
    """The named destinations of a PDF and the index of the page each points at."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.objgen: n for n, page in enumerate(pdf.pages)}
        found = {}
        for name, dest in _name_tree(pdf.Root.get("/Names", Dictionary()).get("/Dests")):
            if isinstance(dest, Dictionary):
                dest = dest.get("/D")
            if isinstance(dest, Array) and len(dest) and dest[0].objgen in index:
                found[name] = index[dest[0].objgen]
        return found


def _name_tree(node):
    """(name, value) of every leaf of a name or number tree, in order."""
    if node is None:
        return
    entries = node.get("/Names", node.get("/Nums"))
    if entries is not None:
        for i in range(0, len(entries) - 1, 2):
            key = entries[i]
            yield (str(key) if isinstance(key, String) else int(key)), entries[i + 1]
    for kid in node.get("/Kids", ()):
        yield from _name_tree(kid)


def info(data: bytes) -> tuple[str, str]:
    """The title and subject a PDF gives itself."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        info = pdf.trailer.get("/Info", Dictionary())
        return str(info.get("/Title", "")), str(info.get("/Subject", ""))


def blank_page(size: tuple[float, float]) -> bytes:
    """A PDF of one empty page (a verso left blank, on which only the footer is drawn)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=size)
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()


class _Merger:
    def __init__(self) -> None:
        self.pdf = pikepdf.new()
        self.document = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.parent_tree: list[tuple[int, object]] = []
        self.next_key = 0
        self.dests: list[tuple[str, object]] = []
        self.role_map, self.class_map = Dictionary(), Dictionary()
        self.outline: list[tuple] = []  # (group, top items, first page, level of the top items)
        self.layout = Layout()
        self.first: pikepdf.Pdf | None = None

    def add(self, part: Part) -> None:
        source = pikepdf.open(io.BytesIO(part.data))
        start = len(self.pdf.pages)
        self.pdf.pages.extend(source.pages)
        pages = self.pdf.pages[start:]
        for n, page in enumerate(pages):
            self.layout.sizes.append(tuple(float(v) for v in page.mediabox[2:]))
            self.layout.langs.append(part.lang)
            self.layout.numbered.append(part.numbered[n] if n < len(part.numbered) else True)
        root = source.Root
        offset = self.next_key
        tree = root.get("/StructTreeRoot")
        if tree is not None:
            self._structure(source, tree, part, offset)
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
                self._link(annotation, part.scope)
        dests = list(_name_tree(root.get("/Names", Dictionary()).get("/Dests")))
        copied = self._copy_all(source, [dest for _, dest in dests])
        self.dests += [(f"{part.scope}:{name}", dest) for (name, _), dest in zip(dests, copied)]
        outlines = root.get("/Outlines")
        items = _siblings(self._copy(outlines.First)) if outlines is not None and "/First" in outlines else []
        self.outline.append((part.group, items, pages[0].obj if pages else None, part.level))
        if self.first is None:
            self.first = source  # kept open: its output intent is copied at the end

    def _structure(self, source: pikepdf.Pdf, tree, part: Part, offset: int) -> None:
        entries = list(_name_tree(tree.get("/ParentTree")))
        copied = self._copy_all(source, [value for _, value in entries])
        self.parent_tree += [(key + offset, value) for (key, _), value in zip(entries, copied)]
        keys = [k for k, _ in entries]
        self.next_key = max(int(tree.get("/ParentTreeNextKey", 0)) + offset,
                            (max(keys) + offset + 1) if keys else offset, self.next_key)
        tops = tree.get("/K")
        tops = [tops] if isinstance(tops, Dictionary) else list(tops or ())
        for top in tops:
            element = self._copy(top)
            if element.get("/S") == Name.Document:
                element.S = Name.Part
            element.Lang = String(part.lang)
            element.P = self.document
            self.document.K.append(element)
        for name in ("/RoleMap", "/ClassMap"):
            mapping = tree.get(name)
            if mapping is not None:
                target = self.role_map if name == "/RoleMap" else self.class_map
                for key, value in mapping.items():
                    target[key] = self._copy(value) if isinstance(value, (Dictionary, Array)) else value

    def _copy_all(self, source: pikepdf.Pdf, objects: list) -> list:
        """Objects of the part ``source`` in the merged file, copied in one pass (QPDF copies each indirect
        object they reach once; a value per page or per link copied alone costs a pass each)."""
        if not objects:
            return []
        return list(self.pdf.copy_foreign(source.make_indirect(Array(objects))))

    def _copy(self, obj):
        """An object of a part in the merged file: indirect objects copied once, direct ones rebuilt."""
        if isinstance(obj, (Dictionary, Array, pikepdf.Stream)) and obj.is_indirect:
            return self.pdf.copy_foreign(obj)
        if isinstance(obj, Array):
            return Array([self._copy(item) for item in obj])
        if isinstance(obj, Dictionary):
            return Dictionary({key: self._copy(value) for key, value in obj.items()})
        return obj

    @staticmethod
    def _link(annotation, scope: str) -> None:
        if annotation.get("/Subtype") != Name.Link:
            return
        dest = annotation.get("/Dest")
        if isinstance(dest, String):
            annotation.Dest = String(f"{scope}:{dest}")
            return
        action = annotation.get("/A")
        if not isinstance(action, Dictionary):
            return
        if action.get("/S") == Name.GoTo and isinstance(action.get("/D"), String):
            action.D = String(f"{scope}:{action.D}")
        elif action.get("/S") == Name.URI and str(action.get("/URI", "")).startswith(LINK_SCHEME):
            anchor = str(action.URI)[len(LINK_SCHEME):]
            if "#" in anchor:  # part:<scope>#<anchor>, an anchor of another scope
                scope, anchor = anchor.split("#", 1)
            del annotation["/A"]
            annotation.Dest = String(f"{scope}:{anchor}")
            annotation.Contents = String(anchor)

    def finish(self, metadata: Metadata) -> pikepdf.Pdf:
        pdf, root = self.pdf, self.pdf.Root
        nums = Array()
        for key, value in sorted(self.parent_tree, key=lambda kv: kv[0]):
            nums.append(key)
            nums.append(value)
        tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([self.document]),
                                            ParentTree=pdf.make_indirect(Dictionary(Nums=nums)),
                                            ParentTreeNextKey=self.next_key))
        if self.role_map:
            tree.RoleMap = self.role_map
        if self.class_map:
            tree.ClassMap = self.class_map
        self.document.P = tree
        self.document.Lang = String(metadata.lang)
        root.StructTreeRoot = tree
        root.MarkInfo = Dictionary(Marked=True)
        root.Lang = String(metadata.lang)
        root.ViewerPreferences = Dictionary(DisplayDocTitle=True, Direction=Name(metadata.direction))
        if self.dests:
            names = Array()
            for name, dest in sorted(self.dests, key=lambda nd: nd[0].encode("utf-16-be")):
                names.append(String(name))
                names.append(dest)
            root.Names = Dictionary(Dests=pdf.make_indirect(Dictionary(Names=names)))
        self._outlines()
        if self.first is not None and "/OutputIntents" in self.first.Root:
            root.OutputIntents = self._copy(self.first.Root.OutputIntents)
            packet = bytes(self.first.Root.Metadata.read_bytes())
            root.Metadata = pdf.make_stream(_xmp(packet, metadata), Type=Name.Metadata, Subtype=Name.XML)
            info = self._copy(self.first.trailer.Info) if "/Info" in self.first.trailer else Dictionary()
            if metadata.title is not None:
                info.Title = String(metadata.title)
            if metadata.subject is not None:
                info.Subject = String(metadata.subject)
            pdf.trailer.Info = pdf.make_indirect(info)
        return pdf

    def _outlines(self) -> None:
        """One outline from the parts' own: each part's top bookmarks under the last bookmark before them of
        a lower level (within their group, if any). A bookmark given children by later parts keeps its state,
        open if it had children of its own, else folded (a plan's hundred fiches under "Annexes")."""
        top: list = []  # bookmarks, and [group, its bookmarks, its first page] for a group
        path: list[tuple[int, object]] = []  # the last bookmark of each level, outermost first
        for group, items, first_page, level in self.outline:
            if group is not None and not (top and isinstance(top[-1], list) and top[-1][0] == group):
                if first_page is None:
                    continue
                top.append([group, [], first_page])
                path = []
            if not items:  # a part without bookmarks (a blank verso) changes nothing
                continue
            siblings = top[-1][1] if group is not None else top
            while path and path[-1][0] >= level:
                path.pop()
            if path:
                parent = path[-1][1]
                if "/First" not in parent:
                    parent.Count = -1  # folded (its count is settled below)
                _chain(parent, _children(parent) + items)
            else:
                siblings.extend(items)
            item, depth = items[-1], level
            while item is not None:  # the last bookmark the part brought, then its last descendants
                path.append((depth, item))
                item, depth = item.get("/Last"), depth + 1
        if not top:
            return
        outlines = self.pdf.make_indirect(Dictionary(Type=Name.Outlines))
        entries = []
        for entry in top:
            if isinstance(entry, list):
                group, children, first_page = entry
                node = self.pdf.make_indirect(Dictionary(Title=String(group), Dest=Array([first_page, Name.Fit]),
                                                         Count=1))  # open: its part's bookmarks show
                _chain(node, children)
                entries.append(node)
            else:
                entries.append(entry)
        _chain(outlines, entries)
        outlines.Count = sum(1 + _recount(entry) for entry in entries)
        self.pdf.Root.Outlines = outlines


def _children(item) -> list:
    """The children of an outline item, in order."""
    return _siblings(item.get("/First"))


def _siblings(item) -> list:
    """An outline item and those after it (``/Next``), in order; none for None."""
    found = []
    while item is not None:
        found.append(item)
        item = item.get("/Next")
    return found


def _chain(parent, items: list) -> None:
    """Link ``items`` as the children of ``parent`` (an outline or an outline item)."""
    for key in ("/First", "/Last"):
        if key in parent:
            del parent[key]
    if not items:
        return
    parent.First, parent.Last = items[0], items[-1]
    for n, item in enumerate(items):
        item.Parent = parent
        for key, other in (("/Prev", items[n - 1] if n else None), ("/Next", items[n + 1] if n + 1 < len(items) else None)):
            if other is None:
                if key in item:
                    del item[key]
            else:
                item[key] = other


def _recount(item) -> int:
    """Settle the ``/Count`` of an outline item and of its descendants (ISO 32000-1, 12.3.3: an open item
    counts the descendants it shows, a folded one the opposite of those it would show) and return the
    bookmarks it shows under it (none when folded)."""
    shown = sum(1 + _recount(child) for child in _children(item))
    if not shown:
        return 0
    if int(item.get("/Count", 1)) > 0:
        item.Count = shown
        return shown
    item.Count = -shown
    return 0


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _alt(default: str, others: tuple[tuple[str, str], ...]) -> str:
    items = [f'<rdf:li xml:lang="x-default">{_xml(default)}</rdf:li>']
    items += [f'<rdf:li xml:lang="{lang}">{_xml(text)}</rdf:li>' for lang, text in others]
    return "<rdf:Alt>" + "".join(items) + "</rdf:Alt>"


def _xmp(packet: bytes, metadata: Metadata) -> bytes:
    """The first part's XMP with the merged file's title and description (in every language given)."""
    text = packet.decode("utf-8")
    if metadata.title is None and not metadata.titles:
        return packet
    text = re.sub(r"<dc:title>.*?</dc:title>", lambda _: f"<dc:title>{_alt(metadata.title, metadata.titles)}</dc:title>",
                  text, count=1, flags=re.S)
    text = re.sub(r"<dc:description>.*?</dc:description>",
                  lambda _: f"<dc:description>{_alt(metadata.subject, metadata.subjects)}</dc:description>",
                  text, count=1, flags=re.S)
    return text.encode("utf-8")


def merge(parts: list[Part], metadata: Metadata) -> tuple[pikepdf.Pdf, Layout]:
    """The parts merged into one PDF (not yet saved), and the layout of its pages for the footers."""
    merger = _Merger()
    for part in parts:
        merger.add(part)
    return merger.finish(metadata), merger.layout


def overlay(pdf: pikepdf.Pdf, footers: bytes, pages: list[int]) -> None:
    """Draw page ``j`` of ``footers`` on page ``pages[j]`` of ``pdf``, as a pagination artifact."""
    source = pikepdf.open(io.BytesIO(footers))
    if len(source.pages) != len(pages):
        raise ValueError(f"{len(source.pages)} pieds de page pour {len(pages)} pages")
    for page, target in zip(source.pages, pages):
        form = pdf.copy_foreign(page.as_form_xobject())
        out = pdf.pages[target]
        # the parts' pages share their resources: each page gets its own, holding its own footer
        resources = Dictionary(dict(out.obj.get("/Resources", Dictionary()).items()))
        xobjects = Dictionary(dict(resources.get("/XObject", Dictionary()).items()))
        name = Name("/PublisherFooter")
        xobjects[name] = form
        resources.XObject = xobjects
        out.obj.Resources = resources
        out.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        out.contents_add(pdf.make_stream(b"Q\n" + _ARTIFACT + b"q " + bytes(str(name), "ascii") + b" Do Q\nEMC\n"))


def share_fonts(pdf: pikepdf.Pdf, programs: dict[str, bytes], least: int = 3) -> None:
    """One font program per face for the whole file, instead of one subset per part.

    Each part embeds its own subset of a face (WeasyPrint keeps the glyph ids of the full font: the
    subset is the font with the unused glyphs emptied; its ``name`` table says which face it is). Where a
    face has ``least`` subsets or more, they
    are replaced by one subset of the original program (``programs``: PostScript name -> font file)
    holding every glyph any of them holds; the parts' font dictionaries (widths, ToUnicode) stay theirs.
    A ``CIDSet`` no longer describes the shared program and goes (it is optional in PDF/A-2 and -3).
    """
    faces: dict[str, list] = {}
    programs_read: dict[tuple, tuple[str, set[int]]] = {}  # per embedded program: its face and its glyphs
    for descriptor in _font_descriptors(pdf):
        objgen = descriptor.FontFile2.objgen
        if objgen not in programs_read:
            programs_read[objgen] = _face_and_glyphs(descriptor.FontFile2.read_bytes())
        faces.setdefault(programs_read[objgen][0], []).append(descriptor)
    for face, descriptors in sorted(faces.items()):
        streams = {descriptor.FontFile2.objgen for descriptor in descriptors}
        if len(streams) < least or face not in programs:
            continue
        glyphs = set().union(*(programs_read[objgen][1] for objgen in streams))
        shared = pdf.make_stream(_subset(programs[face], glyphs))
        shared.Length1 = len(shared.read_bytes())
        for descriptor in descriptors:
            descriptor.FontFile2 = shared
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]


def _font_descriptors(pdf: pikepdf.Pdf) -> list:
    """The descriptors of the embedded TrueType fonts the pages use, directly or through their form
    XObjects (the footers), each once: read from the resources, which the pages of a part share (faster
    than a walk over every object of a volume)."""
    found, seen = {}, set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, Dictionary) or (resources.is_indirect and resources.objgen in seen):
            continue
        if resources.is_indirect:
            seen.add(resources.objgen)
        for font in resources.get("/Font", Dictionary()).values():
            for descendant in font.get("/DescendantFonts", ()) if font.get("/Subtype") == Name.Type0 else (font,):
                descriptor = descendant.get("/FontDescriptor")
                if isinstance(descriptor, Dictionary) and "/FontFile2" in descriptor:
                    found.setdefault(descriptor.objgen if descriptor.is_indirect else id(descriptor), descriptor)
        pending += [xobject.get("/Resources") for xobject in resources.get("/XObject", Dictionary()).values()
                    if xobject.get("/Subtype") == Name.Form]
    return list(found.values())


@lru_cache(maxsize=4096)
def _face_and_glyphs(program: bytes) -> tuple[str, frozenset[int]]:
    """The PostScript name of an embedded TrueType subset, and the glyphs it holds: an emptied glyph has
    neither outline data (``loca``) nor advance (``hmtx``); a kept space has an advance only. Read from the
    tables directly (a part's subset is read for every document it goes into)."""
    try:
        tables = _tables(program)
        head, maxp, hhea = (tables[tag][0] for tag in (b"head", b"maxp", b"hhea"))
        (loca, loca_length), (hmtx, _) = tables[b"loca"], tables[b"hmtx"]
        count = struct.unpack(">H", program[maxp + 4:maxp + 6])[0]
        metrics = struct.unpack(">H", program[hhea + 34:hhea + 36])[0]
        long_offsets = struct.unpack(">h", program[head + 50:head + 52])[0]
        offsets = _big_endian("I" if long_offsets else "H", program[loca:loca + loca_length])  # short: halved
        advances = _big_endian("H", program[hmtx:hmtx + 4 * metrics])[0::2]
        if len(advances) < metrics:
            raise struct.error("hmtx trop court")
    except (KeyError, struct.error):
        return "", frozenset()
    span = min(count, len(offsets) - 1)
    glyphs = {0, *compress(range(span), map(gt, offsets[1:span + 1], offsets[:span]))}  # with an outline
    glyphs.update(compress(range(min(span, metrics)), advances))  # with an advance (a space)
    if span > metrics and advances and advances[-1]:  # the glyphs after the last metric take its advance
        glyphs.update(range(metrics, span))
    return _postscript_name(program, tables.get(b"name")), frozenset(glyphs)


def _big_endian(code: str, data: bytes) -> array:
    """The unsigned big-endian integers of ``data`` (``code``: "H" 16 bits, "I" 32 bits), a trailing
    fraction of one ignored."""
    values = array(code)
    values.frombytes(data[:len(data) // values.itemsize * values.itemsize])
    if sys.byteorder == "little":
        values.byteswap()
    return values


def _tables(program: bytes) -> dict[bytes, tuple[int, int]]:
    """The table directory of a TrueType program: tag -> (offset, length)."""
    return {program[12 + 16 * i:16 + 16 * i]: struct.unpack(">II", program[20 + 16 * i:28 + 16 * i])
            for i in range(struct.unpack(">H", program[4:6])[0])}


def postscript_name(program: bytes) -> str:
    """The PostScript name of a TrueType font program (name 6), or "" if it has none."""
    try:
        return _postscript_name(program, _tables(program).get(b"name"))
    except struct.error:
        return ""


def _postscript_name(program: bytes, where) -> str:
    """Name 6 of a font's ``name`` table (Windows Unicode or Macintosh Roman record)."""
    if where is None:
        return ""
    start = where[0]
    _, count, strings = struct.unpack(">HHH", program[start:start + 6])
    for n in range(count):
        platform, _, _, name_id, length, offset = struct.unpack(">6H", program[start + 6 + 12 * n:start + 18 + 12 * n])
        if name_id == 6:
            raw = program[start + strings + offset:start + strings + offset + length]
            return raw.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace")
    return ""


def _subset(program: bytes, glyphs: set[int]) -> bytes:
    """``program`` with only ``glyphs`` (ids kept), as WeasyPrint subsets it (HarfBuzz, the same tables dropped)."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    request.glyph_set.update(sorted(glyphs))
    request.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                     | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING)
    dropped = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "):
        dropped.add(int.from_bytes(tag, "big"))
    return hb.subset(hb.Face(hb.Blob(program)), request).blob.data


def save(pdf: pikepdf.Pdf) -> bytes:
    """The bytes of a merged PDF: deterministic, its /ID derived from its content."""
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True, min_version="1.7", compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()
