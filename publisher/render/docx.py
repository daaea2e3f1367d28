"""Model -> DOCX, by filling the docxtpl templates of ``templates/<lang>/`` (``plan.docx``, ``fiche.docx``).

``plan.docx`` gives the plan document; ``fiche.docx`` the documents handed out alone (one fiche
action, an acteur's fiches, whose cover gets each fiche's role and page, the tableau des
modifications); the bilingual volume is a joint title page, the French plan, then the Arabic plan
appended on a right-hand page (:func:`publisher.render.ooxml.append_document`), numbered as one.

The edition's context (:mod:`publisher.render.context`, the same one the PDF uses) fills the
templates, which hold the styles, the page layout, the fixed labels and the docxtpl tags. The
templates are sources an office restyles in Word or LibreOffice: each is first normalized
(:func:`publisher.render.ooxml.normalize_template`: style ids found by name, tags whole in one
run, breaks out of tag paragraphs), and :data:`STYLES` lists what each must define. Content is data, never a template: docxtpl
renders with ``autoescape=True`` and a strict XML parse, so ``&``, ``<``, ``{{ }}`` or ``{% %}`` in
a plan come out as the literal text they are. Markdown reaches the document only through
:class:`BlockWriter`, which builds real Word structures (heading styles, numbered and bulleted
lists, hyperlinks, tables) with the helpers of :mod:`publisher.render.ooxml`.

After docxtpl, the renderer applies the house style (:func:`apply_charte`), fills the sommaire (a
``TOC`` field whose cached result holds the entries; only a document with a sommaire, or a bundle
with its pages to fill in, asks Word to update its fields on opening), lets a canevas row that
could outgrow a page split and keeps a totals row with the row before it, replaces list bullets
the edition's face cannot draw, marks the Arabic edition right to left (every paragraph
``w:bidi``, every table ``w:bidiVisual``, every run of Arabic text ``w:rtl``, Latin stretches split
out without it, list numbers centred in their indent), embeds the edition's typeface and writes a
deterministic package: the same plan gives the same bytes. A renderer returns bytes; only the build writes files.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import jinja2
from docx import Document as DocxDocument
from docx.image.exceptions import UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.oxml.shape import CT_Inline
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup

from .. import fonts, resources
from ..errors import RenderError
from ..i18n import label
from ..markdown import Block, Document, Heading, Image, ListBlock, Paragraph, Table, heading_ranks
from ..charte import Charte
from ..model import Action, Lang, Plan
from . import Renderer, context, ooxml

TEMPLATES = resources.TEMPLATES

# The styles every template defines, by id and name: the renderer writes the ids; an office may
# restyle each of them (font, size, colour, spacing, borders) in Word or LibreOffice, which may
# save them under other ids: :func:`publisher.render.ooxml.normalize_template` finds them by name.
STYLES = {
    "Normal": "Normal", "Corps": "Corps", "Note": "Note", "Intertitre": "Intertitre", "Signature": "Signature",
    "Titre1": "heading 1", "Titre2": "heading 2", "Titre3": "heading 3", "Titre4": "heading 4",
    "Titresommaire": "Titre sommaire", "TM1": "toc 1", "TM2": "toc 2", "Entete": "header", "Pieddepage": "footer",
    "Listepuces": "Liste à puces", "Listenumeros": "Liste numérotée", "Listesuite": "Liste suite",
    "Cellule": "Cellule", "Cellulepuce": "Cellule puce", "Cellulecanevas": "Cellule canevas",
    "Canevaspuce": "Canevas puce", "Celluleentete": "Cellule en-tête", "Cellulelibelle": "Cellule libellé",
    "Cellulepriorite": "Cellule priorité", "Celluleog": "Cellule objectif général",
    "Cellulemontant": "Cellule montant", "Celluletotal": "Cellule total", "Totalplan": "Total du plan",
    "Couvertureroyaume": "Couverture royaume", "Couvertureentite": "Couverture entité",
    "Couvertureinstance": "Couverture instance", "Couverturelogos": "Couverture logos",
    "Couverturetitre": "Couverture titre", "Couvertureprovince": "Couverture province",
    "Couvertureligne": "Couverture ligne", "Couverturestatut": "Couverture statut",
    "Couverturemention": "Couverture mention", "Titrefiche": "Titre fiche", "Intitulefiche": "Intitulé fiche",
    "Filiationfiche": "Filiation fiche", "Entetefiche": "En-tête fiche",
    "Lienhypertexte": "Hyperlink", "Code": "Code", "Projet": "Statut projet",  # character styles
    "Tableaucanevas": "Tableau canevas", "Tableau": "Tableau", "Tableaufiche": "Tableau fiche",  # table styles
}
# The numbering instances every template defines: bullets, numbers, bullets in a cell.
LIST_BULLETS, LIST_NUMBERS, CELL_BULLETS = 1, 2, 3
BULLET_CHARS = ("•", "–", "◦")
# A bullet the edition's face lacks (Amiri has no ◦; an office may pick one from Symbol) is replaced
# by the first of these the face has: every character printed has a face in the embedded fonts.
BULLET_FALLBACKS = ("◦", "·", "–", "-")
NUMBER_FORMATS = (("decimal", "%1."), ("lowerLetter", "%2)"), ("lowerRoman", "%3."))
# The paragraph levels of the sommaire and the styles of their entries.
SOMMAIRE_LEVELS = {"Titre1": 1, "Titre2": 2}
SOMMAIRE_STYLES = ("TM1", "TM2")

# What the house style (publisher/charte.py) decides in the templates' named styles: their text colour
# and size. The rest of each style (spacing, borders, indents...) stays the template's.
CHARTE_COLOURS = {
    "Normal": "texte", "Titre1": "titres", "Titre2": "titres", "Titre3": "titres", "Titre4": "titres",
    "Titresommaire": "titres", "Totalplan": "titres", "Couvertureroyaume": "titres", "Couvertureprovince": "titres",
    "Intitulefiche": "titres", "Note": "attenue", "Filiationfiche": "attenue", "Entetefiche": "attenue",
    "Entete": "attenue", "Pieddepage": "attenue", "Couvertureinstance": "attenue", "Couverturemention": "attenue",
    "Couverturestatut": "valide", "Projet": "projet", "Lienhypertexte": "lien",
}
CHARTE_SIZES = {
    "Normal": "corps", "Titre1": "titre1", "Titresommaire": "titre1", "Titre2": "titre2", "Titre3": "titre3",
    "Titre4": "titre4", "Cellule": "tableau", "Cellulelibelle": "tableau", "Cellulecanevas": "canevas",
    "Celluleentete": "canevas",
}
# The colour of the borders (paragraph and table borders) a style draws.
CHARTE_BORDERS = {
    "Titre1": "titres", "Titresommaire": "titres", "Entete": "filet_clair", "Entetefiche": "filet_clair",
    "Couverturetitre": "accent", "Tableaucanevas": "filet", "Tableau": "filet", "Tableaufiche": "filet",
}
# The shading of a cell, by the style of its first paragraph (the totals, told apart only by their
# shade, keep the template's).
CHARTE_FILLS = {"Cellulepriorite": "priorite", "Celluleog": "objectif_general", "Celluleentete": "entete",
                "Cellulelibelle": "total"}

# the widest a picture or a Markdown table may be: the text of a portrait page, the value column of a fiche
TEXT_WIDTH_MM = {"body": 174.0, "cell": 118.0}


class _Template(DocxTemplate):
    """docxtpl, with a strict parse of the rendered XML.

    docxtpl's own ``fix_tables`` parses with ``recover=True``, which would silently repair broken
    XML (and it miscounts the columns of a table nested in a cell). The templates use no
    ``{%tc %}`` loop, so the rendered body is parsed as it is, with python-docx's element classes.
    """

    def fix_tables(self, xml):  # noqa: D102 - docxtpl's hook
        try:
            return parse_xml(xml)
        except Exception as exc:  # lxml's XMLSyntaxError: a template bug, never content
            raise RenderError(f"modèle DOCX invalide après remplissage : {exc}") from exc

    def patch_xml(self, src_xml):  # noqa: D102 - docxtpl's hook: a pure function of the template's XML
        return _patched(src_xml)

    def fix_docpr_ids(self, tree):  # noqa: D102 - docxtpl's hook, with python-docx's xpath
        for number, element in enumerate(tree.xpath("//wp:docPr"), start=1001):
            element.set("id", str(number))  # unique drawing ids, numbered in document order


def list_definitions(lang: Lang) -> dict:
    """The lists of the edition, by numbering instance (``w:abstractNum`` elements): bullets, numbers
    (each Markdown list gets its own instance) and compact bullets in a cell. A template holds them;
    one whose lists no longer have these formats (a word processor rewrites the lists that no
    paragraph of the template uses) gets them back."""
    font, rtl = fonts.family(lang), lang.rtl
    return {
        LIST_BULLETS: ooxml.abstract_numbering(LIST_BULLETS, "Puces", [
            ooxml.numbering_level(i, "bullet", BULLET_CHARS[i], 6 + 6 * i, 4.5, font=font, bidi=rtl) for i in range(3)]),
        LIST_NUMBERS: ooxml.abstract_numbering(LIST_NUMBERS, "Numéros", [
            ooxml.numbering_level(i, fmt, text, 7 + 6 * i, 5.5, font=font, bidi=rtl)
            for i, (fmt, text) in enumerate(NUMBER_FORMATS)]),
        CELL_BULLETS: ooxml.abstract_numbering(CELL_BULLETS, "Puces de cellule", [
            ooxml.numbering_level(0, "bullet", "•", 3, 3, font=font, bidi=rtl)]),
    }


@lru_cache(maxsize=None)
def _template_bytes(path: Path, lang: Lang) -> bytes:
    """A template's bytes, normalized (:func:`publisher.render.ooxml.normalize_template`)."""
    if not path.is_file():
        raise RenderError(f"modèle DOCX absent : {path}")
    try:
        data = ooxml.normalize_template(path.read_bytes(), STYLES, list_definitions(lang))
        styles = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml"))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise RenderError(f"{path} : modèle DOCX illisible ({exc})") from None
    present = set(styles.xpath("//w:style/@w:styleId", namespaces={"w": ooxml.W}))
    missing = [f"« {name} »" for style_id, name in STYLES.items() if style_id not in present]
    if missing:
        raise RenderError(f"{path} : style(s) absent(s) du modèle, renommé(s) ou supprimé(s) : {', '.join(missing)}")
    return data


class _Environment(jinja2.Environment):
    """A Jinja environment that compiles each template part once per process.

    docxtpl compiles the XML of every part at every render; the XML of a template is the same
    each time, so the compiled template is kept, keyed by its source.
    """

    def from_string(self, source, globals=None, template_class=None):  # noqa: D102, A002 - Jinja's API
        if globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        compiled = _COMPILED.get(source)
        if compiled is None:
            compiled = _COMPILED[source] = super().from_string(source)
        return compiled


_COMPILED: dict[str, jinja2.Template] = {}


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The Jinja environment docxtpl renders with: autoescaped, strict about unknown names."""
    return _Environment(autoescape=True, undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=32)
def _patched(xml: str) -> str:
    return DocxTemplate.patch_xml(None, xml)


# --- Markdown and lists -> Word structures -------------------------------------------------------


class BlockWriter:
    """Turns Markdown blocks and lists of strings into Word paragraphs, lists and tables.

    Its methods are the functions the templates call: ``{{p md(blocks) }}`` and
    ``{{p items(values) }}``. Each returns block-level XML (:class:`Markup`, so that autoescaping
    leaves it whole) built from escaped text; numbering instances, hyperlinks and images are added
    to the document being rendered.
    """

    BODY = {"text": "Corps", "bullet": "Listepuces", "number": "Listenumeros", "more": "Listesuite",
            "headings": ("Titre2", "Titre3", "Titre4"), "table": "Cellule", "after_table": "Note"}
    CELL = {"text": "Cellule", "bullet": "Cellulepuce", "number": "Cellule", "more": "Cellule",
            "headings": ("Cellulelibelle",) * 3, "table": "Cellule", "after_table": "Cellule"}

    def __init__(self, document, assets: dict[str, bytes]):
        self.document = document
        self.part = document.part
        self.numbering = document.part.numbering_part.element
        self.assets = assets
        self._ranks: dict[int, int] = {}  # the rank of each heading level of the text being written

    # the template functions

    def md(self, source: Document | tuple | None, where: str = "body") -> Markup:
        """A Markdown text (a parsed document or its blocks) as Word blocks."""
        blocks = source.blocks if isinstance(source, Document) else tuple(source or ())
        styles = self.CELL if where == "cell" else self.BODY
        self._ranks = heading_ranks(blocks)  # headings by rank, as the PDF: the sommaire lists the same
        out: list = []
        for block in blocks:
            self._block(block, styles, where, out)
        if not out and where == "cell":
            out.append(ooxml.paragraph(styles["text"]))
        return Markup(ooxml.fragment(out))

    def items(self, values: Iterable[str], where: str = "canevas") -> Markup:
        """A list of one-line texts in a cell: one plain paragraph, or bullets when there are several."""
        values = [v for v in values if v]
        plain, bullet = ("Cellule", "Cellulepuce") if where == "cell" else ("Cellulecanevas", "Canevaspuce")
        if len(values) <= 1:
            out = [ooxml.paragraph(plain, [ooxml.run(v) for v in values])]
        else:
            out = [ooxml.paragraph(bullet, [ooxml.run(v)], num=(CELL_BULLETS, 0)) for v in values]
        return Markup(ooxml.fragment(out))

    def logos(self, paths: Iterable[str], height_mm: float = 24) -> Markup:
        """The cover's logos as picture runs (formats Word cannot show, such as SVG, are left out)."""
        runs = []
        for path in paths:
            picture = self._picture(path, height_mm=height_mm)
            if picture is not None:
                if runs:
                    runs.append(ooxml.run("   "))
                runs.append(picture)
        return Markup(ooxml.fragment(runs))

    # blocks

    def _block(self, block: Block, styles: dict, where: str, out: list) -> None:
        if isinstance(block, Heading):
            style = styles["headings"][min(self._ranks[block.level], 2)]
            out.append(ooxml.paragraph(style, self._inlines(block.inlines, where)))
        elif isinstance(block, Paragraph):
            out.append(ooxml.paragraph(styles["text"], self._inlines(block.inlines, where)))
        elif isinstance(block, ListBlock):
            self._list(block, styles, where, 0, out)
        elif isinstance(block, Table):
            out.append(self._table(block, styles, where))
            # a little space before the next paragraph (and a cell must end with a paragraph)
            out.append(ooxml.paragraph(styles["after_table"]))

    def _list(self, block: ListBlock, styles: dict, where: str, depth: int, out: list) -> None:
        level = min(depth, 2)
        if block.ordered:
            numbers = ooxml.abstract_of(self.numbering, LIST_NUMBERS)  # the definition the template gives them
            num = ooxml.add_numbering_instance(self.numbering, numbers, block.start, level)
            style = styles["number"]
        else:
            num = CELL_BULLETS if where == "cell" else LIST_BULLETS
            style = styles["bullet"]
            if where == "cell":
                level = 0
        for item in block.items:
            numbered = False
            for sub in item:
                if isinstance(sub, Paragraph) and not numbered:
                    out.append(ooxml.paragraph(style, self._inlines(sub.inlines, where), num=(num, level)))
                    numbered = True
                elif isinstance(sub, ListBlock):
                    self._list(sub, styles, where, depth + 1, out)
                elif isinstance(sub, Paragraph):
                    paragraph = ooxml.paragraph(styles["more"], self._inlines(sub.inlines, where))
                    ooxml.set_indent(ooxml.ppr(paragraph), 7 + 6 * level)
                    out.append(paragraph)
                else:
                    self._block(sub, styles, where, out)
            if not numbered:
                out.append(ooxml.paragraph(style, [], num=(num, level)))

    def _table(self, block: Table, styles: dict, where: str):
        columns = max([len(block.header)] + [len(r) for r in block.rows]) or 1
        width = TEXT_WIDTH_MM["cell" if where == "cell" else "body"] / columns
        rows = []
        if block.header:
            rows.append(ooxml.table_row([
                ooxml.cell(width, [ooxml.paragraph("Celluleentete", self._inlines(c, where))], fill="E4EBF2")
                for c in _pad(block.header, columns)
            ], header=True))
        for row in block.rows:
            rows.append(ooxml.table_row([
                ooxml.cell(width, [ooxml.paragraph(styles["table"], self._inlines(c, where))])
                for c in _pad(row, columns)
            ]))
        return ooxml.table("Tableau", [width] * columns, rows)

    # inline content

    def _inlines(self, inlines, where: str) -> list:
        out = []
        for item in inlines:
            if isinstance(item, Image):
                picture = self._picture(item.src, width_mm=TEXT_WIDTH_MM["cell" if where == "cell" else "body"])
                out.append(picture if picture is not None else ooxml.run(item.alt, italic=True))
                continue
            run = ooxml.run(item.text, bold=item.bold, italic=item.italic, style="Code" if item.code else None)
            if item.href:
                ooxml.child(ooxml.rpr(run), "rStyle", ooxml.RPR_ORDER, {"val": "Lienhypertexte"})
                rid = self.part.relate_to(item.href, RT.HYPERLINK, is_external=True)
                out.append(ooxml.hyperlink(rid, [run]))
            else:
                out.append(run)
        return out

    def _picture(self, path: str, *, width_mm: float | None = None, height_mm: float | None = None):
        """A run holding the picture ``path`` of the plan, at most ``width_mm`` wide, or None."""
        data = self.assets.get(path)
        if data is None:
            return None
        try:
            rid, image = self.part.get_or_add_image(io.BytesIO(data))
        except UnrecognizedImageError:
            return None
        if height_mm is not None:
            cx, cy = image.scaled_dimensions(None, Mm(height_mm))
        else:
            cx, cy = image.scaled_dimensions(None, None)
            if width_mm is not None and cx > Mm(width_mm):
                cx, cy = image.scaled_dimensions(Mm(width_mm), None)
        inline = CT_Inline.new_pic_inline(self.part.next_id, rid, Path(path).name, cx, cy)
        return ooxml.picture_run(inline)


def _pad(cells: tuple, columns: int) -> tuple:
    return tuple(cells) + ((),) * (columns - len(cells))


# --- the renderer -------------------------------------------------------------------------------


class DocxRenderer(Renderer):
    """Renders the documents of an edition as DOCX: the plan, the fiches action, an acteur's fiches,
    the tableau des modifications, and the bilingual volume."""

    extension = "docx"
    last_pages = 0  # Word and LibreOffice paginate a DOCX when they open it

    def __init__(self, templates: Path | None = None) -> None:
        self.templates = templates or TEMPLATES  # holds fr/ and ar/, each with plan.docx and fiche.docx
        self._plan: Plan | None = None
        self._filled: dict[Lang, bytes] = {}  # each edition's plan document as filled, kept for the volume

    def clear(self) -> None:
        """Forget the plan documents kept for the bilingual volume (the build calls it after each group)."""
        self._plan, self._filled = None, {}

    def plan(self, plan: Plan, lang: Lang) -> bytes:
        """The whole plan document of the edition."""
        document = self._fill_plan(plan, lang)
        saved = _saved(document)
        if plan is not self._plan:
            self._plan, self._filled = plan, {}
        self._filled[lang] = saved  # the volume, rendered next in the same group, starts from it
        return _package(document, plan, (lang,), saved)

    def fiche(self, plan: Plan, action: Action, lang: Lang) -> bytes:
        """The fiche action annex of one action."""
        edition = context.edition(plan, lang)
        view = next(v for v in edition.actions if v.code == action.code)
        title = f"{label('fiche_action', lang)} {view.code} — {edition.territory}"
        document = self._fill(plan, edition, "fiche.docx", title, fiches=[view])
        return _package(document, plan, (lang,))

    def bundle(self, plan: Plan, acteur: str, lang: Lang) -> bytes:
        """Every fiche of the actions that an acteur pilots or partners, for that acteur."""
        edition = context.edition(plan, lang)
        entries = context.bundle_entries(plan, acteur, lang)
        codes = {entry.code for entry in entries}
        views = [a for a in edition.actions if a.code in codes]
        name = context.acteur_name(plan, acteur, lang, full=True)
        title = f"{label('fiche_action', lang)} — {name} — {edition.territory}"
        document = self._fill(plan, edition, "fiche.docx", title, fiches=views, acteur=name)
        if _bundle_cover(document.element.body, entries, edition.labels, lang):
            # the pages of the fiches are known only once laid out: Word fills them in on opening
            ooxml.update_fields_on_open(document.settings.element)
        return _package(document, plan, (lang,))

    def changes(self, plan: Plan, lang: Lang) -> bytes:
        """The tableau des modifications against ``plan.previous``, as a document of its own."""
        edition = context.edition(plan, lang)
        title = f"{label('modifications', lang)} — {edition.territory}"
        document = self._fill(plan, edition, "fiche.docx", title, changes=True)
        return _package(document, plan, (lang,))

    def bilingual(self, plan: Plan) -> bytes:
        """One volume: a joint title page, the complete French part, then the complete Arabic part.

        The scheme of :class:`publisher.render.context.JointTitle`: the title page (French, then
        Arabic right to left), a blank verso with its footer, the French part from page 3, the
        Arabic part from the next right-hand page (sections starting ``oddPage``), one page
        numbering over the volume. The Arabic plan is appended with its own styles (renamed, each
        declaring Arabic), lists, pictures, links, headers and footers: each part keeps its
        typeface, its direction and its footer wording. Each part is a bookmark (``Partie_fr``,
        ``Partie_ar``) that its sommaire is limited to (``TOC \\b``), so that Word rebuilds each
        sommaire from its own part's headings; the Arabic bookmarks and links are renamed apart.
        """
        joint = context.joint_title(plan)
        parts = []
        for lang in joint.langs:
            document = self._plan_document(plan, lang)
            body = document.element.body
            ooxml.scope_toc(body, PARTS[lang])
            paragraphs = body.findall(qn("w:p"))
            parts.append((document, paragraphs[0], paragraphs[-1]))
        (volume, *french), (arabic, *arabic_ends) = parts
        body = volume.element.body
        ooxml.append_document(volume, arabic, tag="ar", start="oddPage", lang=(_tag(Lang.AR), _tag(Lang.AR)))
        identifier = ooxml.max_bookmark_id(body)
        for number, (lang, (first, last)) in enumerate(zip(joint.langs, (french, arabic_ends)), start=1):
            ooxml.bookmark_range(first, last, PARTS[lang], identifier + number)
        _title_page(body, joint)
        for sect_pr in body.iter(qn("w:sectPr")):
            ooxml.continue_page_numbers(sect_pr)
        props = volume.core_properties
        props.title, props.subject = joint.title, joint.subject
        return _package(volume, plan, joint.langs)

    def _plan_document(self, plan: Plan, lang: Lang):
        """An edition's plan document as :meth:`plan` fills and saves it, read again: from what
        :meth:`plan` kept when it rendered this plan's edition in this group (a tenth of the time of a
        fill), else filled anew (and read the same way, so that the bytes never depend on which)."""
        kept = self._filled.get(lang) if plan is self._plan else None
        return DocxDocument(io.BytesIO(kept or _saved(self._fill_plan(plan, lang))))

    def _fill_plan(self, plan: Plan, lang: Lang):
        """The plan template of an edition, filled."""
        edition = context.edition(plan, lang)
        return self._fill(plan, edition, "plan.docx", edition.document_title)

    def _fill(self, plan: Plan, edition: context.Edition, name: str, title: str, **values):
        """A template filled with the edition, its sommaire filled, right to left in Arabic: a python-docx document."""
        lang = edition.lang
        template = _Template(io.BytesIO(_template_bytes(self.templates / lang.value / name, lang)))
        template.init_docx()
        writer = BlockWriter(template.docx, plan.assets)
        values = {
            "e": edition, "L": edition.labels, "md": writer.md, "items": writer.items,
            "logos": writer.logos(edition.logos, plan.charte.logo_height), "fiches": [], "acteur": "", "changes": False,
            "watermark": _watermark(plan.charte, lang), **values,
        }
        template.render(values, jinja_env=environment(), autoescape=True)
        document = template.docx

        body = document.element.body
        ooxml.ensure_cell_paragraphs(body)
        _keep_signatures(body)
        fiches = values["fiches"] or (edition.actions if name == "plan.docx" else [])
        _fiche_sections(document, [view.suite for view in fiches])
        ooxml.renumber_watermarks(part.element for part in _stories(document) if part.partname.startswith("/word/header"))
        apply_charte(document, plan.charte, lang)
        ooxml.order_cell_properties(body)
        # Word updates the fields on opening only where there is a sommaire to rebuild (not in a fiche)
        ooxml.update_fields_on_open(document.settings.element, on=_fill_sommaire(body))
        ooxml.drawable_bullets(document.part.numbering_part.element, fonts.family(lang),
                               lambda text: not fonts.missing(text, lang), BULLET_FALLBACKS)
        split_tall_rows(body, plan.charte, lang)
        keep_totals_with_their_rows(body)
        if lang.rtl:
            ooxml.centre_rtl_markers(document.part.numbering_part.element)
            for root in [body] + [part.element for part in _stories(document)]:
                ooxml.bidi_everywhere(root)
                ooxml.mark_rtl_runs(root)
        _properties(document, plan, edition, title)
        return document


# The bookmark spanning each part of the bilingual volume; each part's sommaire lists its headings only.
PARTS = {Lang.FR: "Partie_fr", Lang.AR: "Partie_ar"}
# The title page's lines, in the cover's styles: title, territory, période, version.
TITLE_PAGE_STYLES = ("Couverturetitre", "Couvertureprovince", "Couvertureligne", "Couvertureligne")
TITLE_PAGE_SPACE_PT = 60


def _tag(lang: Lang) -> str:
    """The language tag Word reads: ``ar-MA``."""
    return lang.locale.replace("_", "-")


def _title_page(body, joint: context.JointTitle) -> None:
    """Put the bilingual volume's title page first, in a section of its own that looks like the French
    cover's (same page, header and footer); the French part then starts on the next right-hand page,
    so that the title page's verso is blank but for its footer."""
    french_start = body.find(f".//{qn('w:sectPr')}")
    title_section = deepcopy(french_start)
    ooxml.set_section_start(title_section, "nextPage")
    ooxml.set_section_start(french_start, "oddPage")
    blocks = []
    for block in joint.blocks:
        suffix = "" if block.lang is Lang.FR else "ar"  # the Arabic part's styles (append_document)
        for style, line in zip(TITLE_PAGE_STYLES, block.lines):
            paragraph = ooxml.paragraph(f"{style}{suffix}", [ooxml.run(line)])
            if style == TITLE_PAGE_STYLES[0]:  # two titles on the page: half the cover's space above each
                ooxml.set_spacing(ooxml.ppr(paragraph), before=TITLE_PAGE_SPACE_PT, after=24)
            if block.lang.rtl:
                ooxml.set_bidi(paragraph)
                ooxml.mark_rtl_runs(paragraph)
            blocks.append(paragraph)
    blocks.append(ooxml.section_break(title_section))
    for index, element in enumerate(blocks):
        body.insert(index, element)


# The columns a bundle's cover adds to the template's list of fiches: the acteur's role, the fiche's page.
BUNDLE_COLUMNS_MM = {"role": 30.0, "page": 14.0}


def _bundle_cover(body, entries: list[context.BundleEntry], labels: dict[str, str], lang: Lang) -> bool:
    """Give the list of fiches on a bundle's cover the acteur's role in each action and the page of
    each fiche: a ``PAGEREF`` to a bookmark on the fiche's heading. The page numbers are left to
    be computed where the document is laid out (LibreOffice at layout, Word when it updates the
    fields): nothing here knows them, and a guessed number would be wrong in front of the reader.
    Whether the cover was found (the template's table listing the fiches' codes in order)."""
    codes = [entry.code for entry in entries]
    headings = body.xpath(".//w:p[w:pPr/w:pStyle/@w:val='Titrefiche']")  # "Fiche action <code>", in order
    for table in body.iter(qn("w:tbl")):
        rows = table.findall(qn("w:tr"))
        header = [r for r in rows if ooxml.is_header_row(r)]
        listed = [r for r in rows if not ooxml.is_header_row(r)]
        firsts = ["".join(t.text or "" for t in r.find(qn("w:tc")).iter(qn("w:t"))).strip() for r in listed]
        if firsts != codes or len(header) != 1 or len(headings) != len(codes):
            continue
        first_id = ooxml.max_bookmark_id(body) + 1
        anchors = [f"_Fiche{number:04d}" for number in range(1, len(codes) + 1)]
        for number, (heading, anchor) in enumerate(zip(headings, anchors)):
            ooxml.bookmark(heading, anchor, first_id + number)
        last = [r.findall(qn("w:tc"))[-1] for r in rows]
        ooxml.append_column(table, BUNDLE_COLUMNS_MM["role"], [ooxml.cell_like(last[0], [ooxml.run(labels["role"])])]
                            + [ooxml.cell_like(c, [ooxml.run(e.role)]) for c, e in zip(last[1:], entries)])
        ooxml.append_column(table, BUNDLE_COLUMNS_MM["page"], [ooxml.cell_like(last[0], [ooxml.run(labels["page"])])]
                            + [ooxml.cell_like(c, ooxml.field(f"PAGEREF {a} \\h")) for c, a in zip(last[1:], anchors)])
        if lang.rtl:
            ooxml.mark_rtl_runs(table)
        return True
    return False


def apply_charte(document, style: Charte, lang: Lang) -> None:
    """Apply the house style (the plan's charte) to a filled template: the colours, sizes and border
    colours of the named styles, the shading of the header and label cells, the page size and margins of every section, the
    canevas columns' widths and the place of the cover's logos. The template decides the rest."""
    by_id = {s.get(qn("w:styleId")): s for s in document.styles.element.iter(qn("w:style"))}
    for style_id, name in CHARTE_COLOURS.items():
        if style_id in by_id:
            ooxml.set_color(ooxml.child(by_id[style_id], "rPr", ooxml.STYLE_ORDER), style.colour(name)[1:].upper())
    for style_id, name in CHARTE_SIZES.items():
        if style_id in by_id:
            ooxml.set_size(ooxml.child(by_id[style_id], "rPr", ooxml.STYLE_ORDER), style.size(lang.value, name))
    for style_id, name in CHARTE_BORDERS.items():
        for side in by_id[style_id].xpath("./w:pPr/w:pBdr/* | ./w:tblPr/w:tblBorders/*") if style_id in by_id else ():
            side.set(qn("w:color"), style.colour(name)[1:].upper())
    if "Couverturelogos" in by_id:
        ooxml.set_justification(ooxml.child(by_id["Couverturelogos"], "pPr", ooxml.STYLE_ORDER), style.logo_alignment)
    body = document.element.body
    for shading in body.iter(qn("w:shd")):
        cell_pr = shading.getparent()
        if cell_pr.tag != qn("w:tcPr"):
            continue
        first = cell_pr.getparent().find(qn("w:p"))
        name = CHARTE_FILLS.get(ooxml.paragraph_style(first)) if first is not None else None
        if name:
            shading.set(qn("w:fill"), style.colour(name)[1:].upper())
    width, height = style.page_size
    for sect_pr in body.iter(qn("w:sectPr")):
        orientation = "paysage" if ooxml.is_landscape(sect_pr) else "portrait"
        ooxml.set_page(sect_pr, width, height, style.margins(orientation))
    canevas_width = style.text_width("paysage")
    widths = [canevas_width * share / 100 for _, share in style.canevas_columns]
    for table in body.iter(qn("w:tbl")):
        table_style = table.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
        if table_style is not None and table_style.get(qn("w:val")) == "Tableaucanevas":
            ooxml.set_column_widths(table, widths)


# The height of a canevas row, roughly, to decide whether it may be kept whole on its page: the
# average advance of a character and the height of a line, in ems of the canevas size (Amiri's lines
# are tall), and the cell's side margins (Word's default 1.9 mm each).
ROW_ESTIMATE = {"char_em": 0.5, "line_em": {Lang.FR: 1.4, Lang.AR: 1.9}, "cell_margins_mm": 3.8, "paragraph_mm": 1.0}
POINT_MM = 25.4 / 72


def _estimated_row_height(row, size_pt: float, lang: Lang) -> float:
    """The height in millimetres a canevas row is likely to take, from its text and its cells' widths
    (a merged cell, the objectif spécifique, spreads over its rows and is left out)."""
    char_mm = size_pt * POINT_MM * ROW_ESTIMATE["char_em"]
    line_mm = size_pt * POINT_MM * ROW_ESTIMATE["line_em"][lang]
    tallest = 0.0
    for tc in row.iter(qn("w:tc")):
        if tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") is not None:
            continue
        width = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
        text_mm = max(int(width.get(qn("w:w"))) / ooxml.TWIPS_PER_MM - ROW_ESTIMATE["cell_margins_mm"], 5.0) \
            if width is not None else 20.0
        per_line = max(1, int(text_mm / char_mm))
        height = 0.0
        for paragraph in tc.iter(qn("w:p")):
            length = len("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
            height += -(-max(length, 1) // per_line) * line_mm + ROW_ESTIMATE["paragraph_mm"]
        tallest = max(tallest, height)
    return tallest


def split_tall_rows(body, style: Charte, lang: Lang) -> None:
    """Let a canevas row break across pages when it could be taller than a page.

    A row that may not split (``w:cantSplit``, the templates' rows) and is taller than the page is
    clipped at the footer by LibreOffice, the rest never printed. A row stays whole only when its
    estimated height is at most half the landscape text height, so that a misestimate by half still
    fits under the repeated header rows; a taller one may split, and the page it continues on
    repeats the header rows.
    """
    top, _, bottom, _ = style.margins("paysage")
    limit = (min(style.page_size) - top - bottom) / 2
    size = style.size(lang.value, "canevas")
    for table in body.iter(qn("w:tbl")):
        table_style = table.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
        if table_style is None or table_style.get(qn("w:val")) != "Tableaucanevas":
            continue
        for row in table.findall(qn("w:tr")):
            if not ooxml.is_header_row(row) and _estimated_row_height(row, size, lang) > limit:
                ooxml.allow_split(row)


def keep_totals_with_their_rows(body) -> None:
    """A totals row (or a table's last row) never opens a page alone: the row before it is kept with it."""
    for table in body.iter(qn("w:tbl")):
        rows = table.findall(qn("w:tr"))
        for index, row in enumerate(rows[1:], start=1):
            first = row.find(f"{qn('w:tc')}/{qn('w:p')}")
            totals = first is not None and ooxml.paragraph_style(first) == "Celluletotal"
            if (totals or index == len(rows) - 1) and not ooxml.is_header_row(rows[index - 1]):
                ooxml.keep_row_with_next(rows[index - 1])


def _keep_signatures(body) -> None:
    """The page breaks of the validation page, as the PDF's (page.css): the "Fait à" line (the paragraph
    in the ``Signature`` style) stays with the first signataire's row, the last row with the one before
    it and with the seal's frame, and no row splits; so a page never holds one block alone."""
    line = next((p for p in body.iter(qn("w:p")) if ooxml.paragraph_style(p) == "Signature"), None)
    table = line.getnext() if line is not None else None
    if table is None or table.tag != qn("w:tbl"):
        return
    ooxml.keep_with_next(ooxml.ppr(line))
    rows = table.findall(qn("w:tr"))
    for row in rows:
        ooxml.cant_split(row)
    for row in rows[-2:]:  # row n-1 with row n, row n with the seal
        for paragraph in row.iter(qn("w:p")):
            ooxml.keep_with_next(ooxml.ppr(paragraph))
    after = table.getnext()  # the paragraph between the two tables, then the seal's frame
    while after is not None and after.tag == qn("w:p"):
        ooxml.keep_with_next(ooxml.ppr(after))
        after = after.getnext()
    for row in after.findall(qn("w:tr")) if after is not None and after.tag == qn("w:tbl") else ():
        ooxml.cant_split(row)


def _fiche_sections(document, suites: list[str]) -> None:
    """Each fiche action on pages of a section of its own, whose pages after the first repeat the
    fiche's code and title with "(suite)" under the running header (``suites``: those lines, one per
    fiche in order). The first page keeps the document's header (``w:titlePg``), as the PDF's
    ``string(run-suite, first-except)``; Word and LibreOffice both honour it.

    A fiche's section starts where its page starts (its title, or the "Annexes" heading above the
    first fiche) and ends where the next one's starts; what follows the fiches (the historique)
    keeps the document's headers. Every section then names its headers and footers itself.
    """
    body = document.element.body
    children = [c for c in body if c.tag != qn("w:sectPr")]
    titles = [c for c in children if c.tag == qn("w:p") and ooxml.paragraph_style(c) == "Titrefiche"]
    if not titles or len(titles) != len(suites):
        return
    styles = {s.get(qn("w:styleId")): s for s in document.styles.element.iter(qn("w:style"))}
    index = {id(c): i for i, c in enumerate(children)}

    def ends_section(i: int) -> bool:
        return children[i].tag == qn("w:p") and children[i].find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None

    def page_start(i: int) -> bool:
        return i == 0 or ooxml.starts_page(children[i], styles) or ends_section(i - 1)

    starts = []
    for title in titles:
        i = index[id(title)]
        while not page_start(i):
            i -= 1
        if starts and i <= index[id(titles[len(starts) - 1])]:
            return  # a fiche that does not start a page (never in the templates): headers left as they are
        starts.append(i)
    last = index[id(titles[-1])]
    while last + 1 < len(children) and not ends_section(last) and not page_start(last + 1):
        last += 1
    ends = [start - 1 for start in starts[1:]] + [last]
    if any(ends_section(i) for start, end in zip(starts, ends) for i in range(start, end)):
        return

    # every section names its headers and footers: a new section must not change those after it
    sect_prs = [c.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") for i, c in enumerate(children) if ends_section(i)]
    sect_prs.append(body.find(qn("w:sectPr")))
    for sect_pr, references in zip(sect_prs, ooxml.story_references(sect_prs)):
        ooxml.set_story_references(sect_pr, references)
    following = next((i for i in range(last, len(children)) if ends_section(i)), None)
    enclosing = sect_prs[-1] if following is None else children[following].find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
    references = ooxml.story_references([enclosing])[0]
    header, footer = references[("header", "default")], references[("footer", "default")]

    made_sections: list = []

    def section(suite: str | None):
        sect_pr = deepcopy(enclosing)
        if made_sections:  # only the first of the pieces the enclosing section is cut into may restart the page numbers
            ooxml.continue_page_numbers(sect_pr)
        made_sections.append(sect_pr)
        if suite is not None:
            line = ooxml.paragraph("Entete", [ooxml.run(suite)])
            ooxml.set_story_references(sect_pr, {
                ("header", "default"): ooxml.header_copy(document.part, header, [line]), ("header", "first"): header,
                ("footer", "default"): footer, ("footer", "first"): footer})
            ooxml.title_page(sect_pr)
        return sect_pr

    if starts[0] > 0 and not ends_section(starts[0] - 1):
        ooxml.end_section_with(children[starts[0] - 1], section(None))  # what comes before the fiches
        ooxml.page_break_before(ooxml.ppr(children[starts[0]]), on=False)  # the section break turns the page
    for number, (start, end, suite) in enumerate(zip(starts, ends, suites)):
        if number:
            ooxml.page_break_before(ooxml.ppr(children[start]), on=False)
        made = section(suite)
        if end == last and (following == last or (following is None and last == len(children) - 1)):
            enclosing.getparent().replace(enclosing, made)  # the fiches end the section they were in
            return
        ooxml.end_section_with(children[end], made)
    ooxml.continue_page_numbers(enclosing)  # what follows the fiches continues their numbering


def _watermark(style: Charte, lang: Lang) -> Markup:
    """The draft watermark of the house style, as the run the headers' ``{{r watermark }}`` tag prints
    (inside ``{%p if e.draft %}``); the PDF draws the same (:mod:`publisher.render.watermark`)."""
    mark = style.watermark
    run = ooxml.watermark(mark.word(label("projet", lang)), fonts.family(lang), mark.colour, mark.opacity,
                          mark.box(lang.value), mark.angle)
    return Markup(ooxml.fragment([run]))


def _saved(document) -> bytes:
    """The package of a python-docx document, as it saves it."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _package(document, plan: Plan, langs: tuple[Lang, ...], saved: bytes | None = None) -> bytes:
    """The document's bytes (``saved``: the document already saved), with the typefaces of its languages
    embedded, dated by the plan's version.

    The italic faces are embedded only when some text is italic (Markdown emphasis): a fiche
    without any weighs half as much.
    """
    saved = _saved(document) if saved is None else saved
    italic = _uses_italic(document)
    faces = [face for lang in langs for face in fonts.faces(fonts.family(lang))
             if italic or face.style != "italic"]
    return ooxml.embed_fonts(saved, faces, when=plan.version)


def _uses_italic(document) -> bool:
    """Whether some text is italic: a run, or a style that the document uses or one it is based on
    (a word processor adds italic styles of its own, such as a caption, that nothing uses)."""
    italic = "w:i[not(@w:val='0' or @w:val='false' or @w:val='off')]"
    roots = [document.element, *(part.element for part in _stories(document))]
    if any(root.xpath(f".//w:rPr/{italic}") for root in roots):
        return True
    styles = document.styles.element
    if styles.xpath(f"w:docDefaults//{italic}"):
        return True
    by_id = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    pending = {v for root in roots for v in root.xpath(".//w:pStyle/@w:val | .//w:rStyle/@w:val | .//w:tblStyle/@w:val")}
    pending |= {s.get(qn("w:styleId")) for s in by_id.values() if s.get(qn("w:default")) in ("1", "true")}
    seen = set()
    while pending:
        style = by_id.get(pending.pop())
        if style is None or style in seen:
            continue
        seen.add(style)
        if style.xpath(f"w:rPr/{italic}"):
            return True
        pending.update(style.xpath("w:basedOn/@w:val | w:link/@w:val"))
    return False


def _stories(document) -> list:
    """The header and footer parts of a document."""
    kinds = (RT.HEADER, RT.FOOTER)
    return [rel.target_part for rel in document.part.rels.values() if rel.reltype in kinds]


def _fill_sommaire(body) -> bool:
    """Fill the sommaire field with the headings that follow it, each bookmarked and page-referenced;
    whether the document has one."""
    toc = next((p for p in body.iter(qn("w:p")) if ooxml.is_toc_paragraph(p)), None)
    if toc is None:
        return False
    entries = []
    after = False
    for paragraph in body.iter(qn("w:p")):
        if paragraph is toc:
            after = True
            continue
        level = SOMMAIRE_LEVELS.get(ooxml.paragraph_style(paragraph))
        if not after or level is None:
            continue
        text = "".join(t.text or "" for t in paragraph.iter(qn("w:t"))).strip()
        if not text:
            continue
        number = len(entries) + 1
        anchor = f"_Toc{number:06d}"
        ooxml.bookmark(paragraph, anchor, number)
        entries.append((level, text, anchor))
    ooxml.fill_toc(toc, entries, SOMMAIRE_STYLES)
    return True


def _properties(document, plan: Plan, edition: context.Edition, title: str) -> None:
    """Core properties from the plan, dated by its version (never by the clock)."""
    props = document.core_properties
    stamp = dt.datetime.combine(plan.version, dt.time())
    props.title = title
    props.subject = edition.document_subject
    props.author = f"{edition.labels['cape']} — {edition.territory}"
    props.last_modified_by = "publisher"
    props.keywords = "PPIPEM"
    props.comments = edition.version
    props.language = _tag(edition.lang)
    props.created = props.modified = stamp
    props.revision = 1
