"""Bootstrap: write a first version of the DOCX templates, ``{fr,ar}/{plan,fiche}.docx``.

The committed templates (``templates/fr|ar/plan.docx``, ``fiche.docx``) are the source: an office
restyles them in Word or LibreOffice (README, "Restyling the DOCX templates"), and
``tests/test_docx.py`` checks their contract, not their bytes. This script wrote their first
version; it is kept to start again from scratch, or to add a template from the same parts. It
writes into a folder of your choice, and over the committed templates only when asked to,
since that undoes every restyling::

    .venv/bin/python tools/make_docx_templates.py OUT          # OUT/fr/plan.docx, ...
    .venv/bin/python tools/make_docx_templates.py --replace    # over templates/ (undoes restyling)

What a template holds: the named styles an office restyles in Word (headings ``Titre 1-4`` as Word's
built-in heading styles so the sommaire and the navigation pane work, ``Corps``, ``Liste à puces``,
``Cellule ...``, the table styles ``Tableau canevas``, ``Tableau``, ``Tableau fiche``, the cover
styles), the lists (real Word numbering), the page layout (portrait for the text, landscape for the
canevas), the headers and footers with their fields, the draft watermark, the fixed labels of the
glossary, and the docxtpl tags that the renderer fills from ``publisher.render.context.edition``:

- ``{{ e.territory }}``, ``{{ a.code }}`` ...: values, escaped (content is data, never a template);
- ``{%p for ... %}``, ``{%tr for ... %}``: paragraph and table-row loops;
- ``{% vm %}``: the objectif spécifique cell merged vertically over its actions' rows;
- ``{{p md(...) }}``: a Markdown text, turned into Word paragraphs, lists and tables by the renderer;
- ``{{r logos }}``: the logos of the cover.

The Arabic templates are right to left throughout: ``w:bidi`` in the document defaults and in the
Normal, Header and Footer styles, ``w:bidiVisual`` on every table, the complex-script font and sizes
in every style, ``w:lang w:bidi="ar-MA"``, and ``w:bidi`` on every section.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from docx.opc.constants import RELATIONSHIP_TYPE as RT  # noqa: E402

from publisher.fonts import FAMILIES  # noqa: E402
from publisher.i18n import LABELS  # noqa: E402
from publisher.model import Lang  # noqa: E402
from publisher.render import ooxml as ox  # noqa: E402
from publisher.render.docx import CELL_BULLETS, LIST_BULLETS, LIST_NUMBERS, list_definitions  # noqa: E402

TEMPLATES = ROOT / "templates"

# --- the look: one place for colours, sizes and page geometry (the PDF's palette) ---------------

PRIMARY = "123A63"        # headings, rules, the priority row
GOLD = "B8862B"           # the rules of the cover title
TEXT = "1D2733"
MUTED = "4A5A6A"          # running header and footer, notes
GRID = "8A98A8"           # table borders
RULE = "B8C4D0"           # header and footer rules
HEAD_FILL = "E4EBF2"      # table header rows
OG_FILL = "C9D6E3"        # the objectif général row of a canevas table
OS_FILL = "F4F7FA"        # the objectif spécifique cell
TOTAL_FILL = "EEF2F6"     # total rows, the label column of a fiche
PRIORITY_TOTAL_FILL = "DBE4EE"
DRAFT = "A32020"
VALID = "1F6B3A"

PORTRAIT_MARGINS = (22, 18, 20, 18)   # top, right, bottom, left (mm), as the PDF
LANDSCAPE_MARGINS = (18, 12, 16, 12)
PORTRAIT_WIDTH = 210.0 - 36
LANDSCAPE_WIDTH = 297.0 - 24

# body, table cells, canevas cells (pt): Amiri sets smaller than Lato at the same size
SIZES = {Lang.FR: (10, 8.5, 7.5), Lang.AR: (12, 10, 9)}
LATIN_LANG = "fr-MA"
BIDI_LANG = "ar-MA"

CANEVAS_COLUMNS = (  # label, share of the width (the PDF's colgroup, partenaires a little wider)
    ("objectifs_specifiques", 10), ("actions", 13), ("resultats_attendus", 11), ("pilotes", 11),
    ("partenaires", 9), ("ressources", 11), ("budget", 7.5), ("indicateurs", 11), ("echeance", 7),
    ("suivi", 9.5),
)
BUDGET_COLUMN = 6  # index of the budget column: totals span the columns before it


def L(key: str, lang: Lang) -> str:
    """A fixed label of the glossary, copied into the template."""
    return LABELS[key][1 if lang is Lang.AR else 0]


def periode(lang: Lang) -> str:
    """The period ``2025 - 2027``; in Arabic led by a LEFT-TO-RIGHT MARK, so that it reads from left to
    right inside the right-to-left line, as in the PDF (digits alone would swap the two years)."""
    return "\u200e{{ e.periode }}" if lang.rtl else "{{ e.periode }}"


def colon(lang: Lang) -> str:
    """French puts a no-break space before a colon; Arabic does not."""
    return "\u00a0: " if lang is Lang.FR else ": "


# --- styles ---------------------------------------------------------------------------------------


def styles(lang: Lang):
    """The styles part: document defaults and every named style of the editions."""
    font = FAMILIES[lang]
    rtl = lang.rtl
    body, cell_size, canevas_size = SIZES[lang]
    line = 1.0 if rtl else 1.15  # Amiri's tall ascenders and descenders already open the lines
    root = ox.styles_root()
    root.append(ox.doc_defaults(font, body, LATIN_LANG, BIDI_LANG, bidi=rtl, line=line))

    def para(style_id, name, based_on="Normal", next_style=None, *, size=None, bold=False, italic=False,
             color=None, before=0.0, after=0.0, spacing=None, keep=False, page_break=False, outline=None,
             justification=None, caps=False, tracking=None, ui=None, default=False):
        element, ppr, rpr = ox.style("paragraph", style_id, name, based_on=based_on, next_style=next_style,
                                     default=default, ui_priority=ui)
        if keep:
            ox.keep_with_next(ppr)
        if page_break:
            ox.page_break_before(ppr)
        if rtl and style_id in ("Normal", "Entete", "Pieddepage"):
            ox.set_bidi(ppr)  # also in the defaults; explicit where Word and LibreOffice look first
        ox.set_spacing(ppr, before, after, spacing)
        if justification:
            ox.set_justification(ppr, justification)
        if outline is not None:
            ox.outline_level(ppr, outline)
        if style_id == "Normal":
            ox.set_fonts(rpr, font)
            ox.set_lang(rpr, LATIN_LANG, BIDI_LANG)
        if bold:
            ox.set_bold(rpr)
        if italic:
            ox.set_italic(rpr)
        if caps:
            ox.set_caps(rpr)
        if color:
            ox.set_color(rpr, color)
        if tracking:
            ox.set_letter_spacing(rpr, tracking)
        if size:
            ox.set_size(rpr, size)
        root.append(element)
        return ppr, rpr

    step = 1.0 if lang is Lang.FR else 1.15  # heading sizes grow a little more in Arabic
    para("Normal", "Normal", based_on=None, size=body, color=TEXT, spacing=line, default=True, ui=0)
    para("Corps", "Corps", next_style="Corps", after=6, justification="both", ui=1)
    ppr, _ = para("Titre1", "heading 1", next_style="Corps", size=17 * step, bold=True, color=PRIMARY,
                  after=14, keep=True, page_break=True, outline=0, ui=9)
    ox.border(ppr, "bottom", 10, PRIMARY, 4)
    para("Titre2", "heading 2", next_style="Corps", size=13 * step, bold=True, color=PRIMARY, before=14, after=6,
         keep=True, outline=1, ui=9)
    para("Titre3", "heading 3", next_style="Corps", size=11 * step, bold=True, color=PRIMARY, before=10, after=4,
         keep=True, outline=2, ui=9)
    para("Titre4", "heading 4", next_style="Corps", size=body, bold=True, color=PRIMARY, before=8,
         after=3, keep=True, outline=3, ui=9)
    ppr, _ = para("Titresommaire", "Titre sommaire", next_style="Corps", size=17 * step, bold=True, color=PRIMARY,
                  after=18, keep=True, page_break=True, ui=10)
    ox.border(ppr, "bottom", 10, PRIMARY, 4)
    # a fiche sits one level below Annexes: in the navigation pane, not in the two-level sommaire
    para("Titrefiche", "Titre fiche", based_on="Titre2", next_style="Intitulefiche", size=14 * step,
         before=0, after=4, page_break=True, outline=2, ui=10)
    para("Intitulefiche", "Intitulé fiche", next_style="Corps", size=body + 2, bold=True, after=4, keep=True, ui=10)
    para("Filiationfiche", "Filiation fiche", next_style="Corps", size=cell_size, color=MUTED, after=10, keep=True,
         ui=10)
    para("Intertitre", "Intertitre", next_style="Corps", bold=True, before=4, after=2, keep=True, ui=11)
    para("Note", "Note", size=cell_size, color=MUTED, after=6, ui=11)
    para("Totalplan", "Total du plan", size=body + 1, bold=True, color=PRIMARY, before=6, justification="end", ui=11)

    for level, style_id in ((1, "TM1"), (2, "TM2")):
        before = (6 if level == 1 else 2) if lang is Lang.FR else (3 if level == 1 else 0)  # Amiri's lines are taller
        ppr, _ = para(style_id, f"toc {level}", next_style="Corps", bold=level == 1, before=before,
                      after=2 if lang is Lang.FR else 0, ui=39)
        ox.set_indent(ppr, 0 if level == 1 else 6)
        # at the margin, not beyond the end indent: LibreOffice drops what follows an unreachable tab
        ox.tab_stop(ppr, PORTRAIT_WIDTH, "end", "dot")

    ppr, _ = para("Entete", "header", size=8, color=MUTED, justification="center", ui=99)
    ox.border(ppr, "bottom", 3, RULE, 4)
    para("Pieddepage", "footer", size=8, color=MUTED, justification="center", ui=99)

    # the lists: bullets and numbers are Word numbering (numbering.xml), attached to these styles
    ppr, _ = para("Listepuces", "Liste à puces", based_on="Corps", after=3, ui=12)
    ox.set_numbering(ppr, BULLETS)
    para("Listenumeros", "Liste numérotée", based_on="Corps", after=3, ui=12)
    para("Listesuite", "Liste suite", based_on="Corps", after=3, ui=12)

    # table cells
    para("Cellule", "Cellule", size=cell_size, spacing=1.0, after=2, ui=20)
    ppr, _ = para("Cellulepuce", "Cellule puce", based_on="Cellule", after=1, ui=20)
    ox.set_numbering(ppr, CELL_BULLETS)
    para("Cellulecanevas", "Cellule canevas", size=canevas_size, spacing=1.0, after=1, ui=20)
    ppr, _ = para("Canevaspuce", "Canevas puce", based_on="Cellulecanevas", ui=20)
    ox.set_numbering(ppr, CELL_BULLETS)
    para("Celluleentete", "Cellule en-tête", size=canevas_size, bold=True, spacing=1.0, ui=20)
    para("Cellulelibelle", "Cellule libellé", size=cell_size, bold=True, spacing=1.0, after=1, ui=20)
    para("Cellulepriorite", "Cellule priorité", size=canevas_size + 1, bold=True, color="FFFFFF", spacing=1.0, ui=20)
    para("Celluleog", "Cellule objectif général", size=canevas_size + 0.5, bold=True, spacing=1.0, ui=20)
    para("Cellulemontant", "Cellule montant", based_on="Cellulecanevas", justification="end", ui=20)
    para("Celluletotal", "Cellule total", based_on="Cellulecanevas", bold=True, ui=20)

    # the cover
    # letter spacing would tear the joined letters of Arabic apart: Latin only
    para("Couvertureroyaume", "Couverture royaume", size=15, bold=True, caps=True, tracking=None if rtl else 30,
         color=PRIMARY, justification="center", ui=30)
    para("Couvertureentite", "Couverture entité", size=12, justification="center", before=6, ui=30)
    para("Couvertureinstance", "Couverture instance", size=10, color=MUTED, justification="center", before=3, ui=30)
    para("Couverturelogos", "Couverture logos", justification="center", before=28, ui=30)
    ppr, _ = para("Couverturetitre", "Couverture titre", size=24 * step, justification="center", before=140,
                  after=24, spacing=1.0, ui=30)
    ox.border(ppr, "top", 16, GOLD, 22)
    ox.border(ppr, "bottom", 16, GOLD, 22)
    para("Couvertureprovince", "Couverture province", size=18 * step, bold=True, color=PRIMARY,
         justification="center", after=16, ui=30)
    para("Couvertureligne", "Couverture ligne", size=12, justification="center", after=4, ui=30)
    para("Couverturestatut", "Couverture statut", size=12, bold=True, color=VALID, justification="center",
         before=26, ui=30)
    para("Couverturemention", "Couverture mention", size=9, color=MUTED, justification="center", before=110, ui=30)
    para("Entetefiche", "En-tête fiche", size=cell_size, color=MUTED, justification="center", after=2, ui=30)
    para("Signature", "Signature", before=17, after=6, keep=True, ui=30)  # the "Fait à ..." line

    # characters
    element, _, rpr = ox.style("character", "Lienhypertexte", "Hyperlink", ui_priority=99)
    ox.set_color(rpr, "0563C1")
    ox.child(rpr, "u", ox.RPR_ORDER, {"val": "single"})
    root.append(element)
    element, _, rpr = ox.style("character", "Code", "Code", ui_priority=99)
    ox.shade(rpr, "EFEFEF", ox.RPR_ORDER)
    root.append(element)
    element, _, rpr = ox.style("character", "Projet", "Statut projet", ui_priority=99)
    ox.set_color(rpr, DRAFT)
    ox.set_size(rpr, 16)
    if not rtl:
        ox.set_letter_spacing(rpr, 60)
    root.append(element)

    # tables: borders and margins in the style, so that an office restyles every table at once
    for style_id, name in (("Tableaucanevas", "Tableau canevas"), ("Tableau", "Tableau"),
                           ("Tableaufiche", "Tableau fiche")):
        element, _, _ = ox.style("table", style_id, name, ui_priority=40)
        tbl_pr = ox.style_table_pr(element)
        ox.table_borders(tbl_pr, GRID, 4)
        ox.table_cell_margins(tbl_pr, 0.8, 1.4, 0.8, 1.4)
        root.append(element)
    return root


# --- numbering ---------------------------------------------------------------------------------

BULLETS, NUMBERS = LIST_BULLETS, LIST_NUMBERS  # numIds; abstractNumIds are the same numbers here


def numbering(lang: Lang):
    """The lists, as the renderer defines them (:func:`publisher.render.docx.list_definitions`)."""
    root = ox.numbering_root()
    for num_id, abstract in list_definitions(lang).items():
        root.append(abstract)
    for num_id in list_definitions(lang):
        root.append(ox.numbering_instance(num_id, num_id))
    return root


# --- building blocks of the body -----------------------------------------------------------------


def P(style: str | None, *pieces, bold: bool = False):
    """A paragraph in ``style``; each piece is a text (a run) or a ready element."""
    runs = [ox.run(p, bold=bold) if isinstance(p, str) else p for p in pieces]
    return ox.paragraph(style, runs)


def TAG(tag: str):
    """A paragraph holding only a docxtpl paragraph-level tag, which the tag replaces."""
    return ox.paragraph(None, [ox.run(tag)])


def TAG_ROW(tag: str, widths):
    """A table row holding only a docxtpl row-level tag (``{%tr ... %}``)."""
    return ox.table_row([ox.cell(sum(widths), [TAG(tag)], span=len(widths))], cant_split_row=False)


def cell(width, *blocks, span=1, fill=None, valign=None):
    """A table cell (see :func:`publisher.render.ooxml.cell`)."""
    return ox.cell(width, blocks, span=span, fill=fill, valign=valign)


def header_cell(width, text, *, style="Celluleentete", fill=HEAD_FILL, span=1):
    """A cell of a table's header rows."""
    return ox.cell(width, [P(style, text)], fill=fill, span=span)


def widths_of(shares, total):
    """Column widths in mm from shares of ``total``."""
    whole = sum(shares)
    return [round(total * share / whole, 1) for share in shares]


def section(landscape: bool, lang: Lang, *, title_page: bool = False):
    """The properties of a section: A4 portrait or landscape, right to left in Arabic."""
    sect_pr = ox.new_sect_pr()
    if landscape:
        ox.landscape_section(sect_pr, margins=LANDSCAPE_MARGINS, bidi=lang.rtl)
    else:
        ox.page_setup(sect_pr, margins=PORTRAIT_MARGINS, bidi=lang.rtl, title_page=title_page)
    return sect_pr


def no_break(element):
    """A heading that opens a new section or follows its chapter title: no page break of its own."""
    ox.page_break_before(ox.ppr(element), False)
    return element


def page_broken(element):
    """A paragraph that starts a new page (direct formatting over its style)."""
    ox.page_break_before(ox.ppr(element))
    return element


# --- the plan document -------------------------------------------------------------------------


def cover(lang: Lang):
    """The cover: Royaume du Maroc, the province, the title, the period, the version and status."""
    c = colon(lang)
    return [
        P("Couvertureroyaume", L("royaume", lang)),
        P("Couvertureentite", "{{ e.territory }}"),
        P("Couvertureinstance", L("cppe", lang)),
        TAG("{%p if logos %}"),
        P("Couverturelogos", "{{r logos }}"),
        TAG("{%p endif %}"),
        P("Couverturetitre", L("titre", lang)),
        P("Couvertureprovince", "{{ e.territory }}"),
        P("Couvertureligne", f"{L('periode', lang)}{c}{periode(lang)}"),
        P("Couvertureligne", "{{ e.version }}"),
        TAG("{%p if e.draft %}"),
        P("Couverturestatut", ox.run("{{ e.statut }}", style="Projet", caps=True)),
        TAG("{%p else %}"),
        P("Couverturestatut", "{{ e.statut }}"),
        TAG("{%p endif %}"),
        P("Couverturemention", L("ppipem", lang)),
    ]


def sommaire(lang: Lang):
    """The sommaire: a dirty TOC field, which the renderer fills with the headings and page fields."""
    toc = ox.paragraph("TM1")
    ox.add_toc_field(toc, L("sommaire", lang))
    return [P("Titresommaire", L("sommaire", lang)), toc]


def narrative():
    """The narrative sections, in the order of ``narratif``."""
    return [
        TAG("{%p for s in e.sections %}"),
        P("Titre1", "{{ s.title }}"),
        P(None, "{{p md(s.blocks) }}"),
        TAG("{%p endfor %}"),
    ]


def canevas(lang: Lang):
    """The canevas: per priority and objectif général, the table of the guide's template.

    The priority, objectif général and column rows head the table and repeat on every page; the
    objectif spécifique cell is merged over its actions' rows; rows do not break across pages.
    """
    c = colon(lang)
    widths = widths_of([share for _, share in CANEVAS_COLUMNS], LANDSCAPE_WIDTH)
    total = sum(widths)
    before_budget = sum(widths[:BUDGET_COLUMN])
    after_budget = sum(widths[BUDGET_COLUMN + 1:])
    columns = len(widths)

    priority_row = ox.table_row([header_cell(total, f"{L('priorite', lang)} {{{{ p.code }}}}{c}{{{{ p.intitule }}}}",
                                             style="Cellulepriorite", fill=PRIMARY, span=columns)], header=True)
    og_row = ox.table_row([header_cell(total, f"{L('objectif_general', lang)} {{{{ og.code }}}}{c}"
                                              "{{ og.intitule }}", style="Celluleog", fill=OG_FILL, span=columns)],
                          header=True)
    column_row = ox.table_row([
        header_cell(w, f"{L(key, lang)} ({L('dirhams', lang)})" if key == "budget" else L(key, lang))
        for (key, _), w in zip(CANEVAS_COLUMNS, widths)
    ], header=True)
    os_cell = cell(widths[0], P("Cellulecanevas", ox.run("{% vm %}{{ os.code }}", bold=True)),
                   P("Cellulecanevas", ox.run("{{ os.intitule if loop.first else '' }}", bold=True)), fill=OS_FILL)
    action_row = ox.table_row([
        os_cell,
        cell(widths[1], P("Cellulecanevas", ox.run("{{ a.code }}", bold=True)),
             P("Cellulecanevas", f"{{{{ a.intitule }}}}{{% if a.rang %}} ({L('rang', lang)} {{{{ a.rang }}}}){{% endif %}}")),
        cell(widths[2], P(None, "{{p items(a.resultats) }}")),
        cell(widths[3], P(None, "{{p items(a.pilotes) }}")),
        cell(widths[4], P("Cellulecanevas", "{{ a.partenaires_text }}")),
        cell(widths[5], P(None, "{{p items(a.humaines + a.materielles) }}")),
        cell(widths[6], P("Cellulemontant", "{{ a.budget }}")),
        cell(widths[7], P(None, "{{p items(a.indicateurs) }}")),
        cell(widths[8], P("Cellulecanevas", "{{ a.echeance }}")),
        cell(widths[9], P("Cellulecanevas", "{{ a.suivi }}")),
    ])

    def total_row(text: str, amount: str, fill: str):
        return ox.table_row([
            cell(before_budget, P("Celluletotal", text), span=BUDGET_COLUMN, fill=fill),
            cell(widths[BUDGET_COLUMN], P("Cellulemontant", ox.run(amount, bold=True)), fill=fill),
            cell(after_budget, P("Cellulecanevas"), span=columns - BUDGET_COLUMN - 1, fill=fill),
        ])

    rows = [
        priority_row, og_row, column_row,
        TAG_ROW("{%tr for os in og.objectifs %}", widths),
        TAG_ROW("{%tr for a in os.actions %}", widths),
        action_row,
        TAG_ROW("{%tr endfor %}", widths),
        TAG_ROW("{%tr endfor %}", widths),
        total_row(f"{L('total', lang)} {L('objectif_general', lang)} {{{{ og.code }}}}", "{{ og.total }}", TOTAL_FILL),
        TAG_ROW("{%tr if loop.last %}", widths),
        total_row(f"{L('total', lang)} {L('priorite', lang)} {{{{ p.code }}}}", "{{ p.total }}", PRIORITY_TOTAL_FILL),
        TAG_ROW("{%tr endif %}", widths),
    ]
    priority_title = f"{L('priorite', lang)} {{{{ p.code }}}}{c}{{{{ p.intitule }}}}"
    return [
        no_break(P("Titre1", L("canevas", lang))),
        TAG("{%p for p in e.priorites %}"),
        TAG("{%p if loop.first %}"),
        P("Titre2", priority_title),
        TAG("{%p else %}"),
        page_broken(P("Titre2", priority_title)),  # each priority on its own pages, as in the guide
        TAG("{%p endif %}"),
        P("Note", f"{L('volet', lang)}{c}{{{{ p.volet }}}}"),
        TAG("{%p for og in p.objectifs %}"),
        # this heading also keeps a paragraph before the table: LibreOffice drops a section break
        # that is directly followed by a table
        P("Titre3", f"{L('objectif_general', lang)} {{{{ og.code }}}}{c}{{{{ og.intitule }}}}"),
        ox.table("Tableaucanevas", widths, rows),
        TAG("{%p endfor %}"),
        TAG("{%p endfor %}"),
        P("Totalplan", f"{L('plan_total', lang)}{c}{{{{ e.total }}}} {L('dirhams', lang)}"),
    ]


def summary_table(columns, loop: str, cells, total=None):
    """A summary table: a header row, one row per item of ``loop``, and an optional total row."""
    widths = [w for _, w in columns]
    rows = [ox.table_row([header_cell(w, text) for text, w in columns], header=True),
            TAG_ROW(f"{{%tr for x in {loop} %}}", widths),
            ox.table_row([cell(w, P(style_name, value)) for (style_name, value), w in zip(cells, widths)]),
            TAG_ROW("{%tr endfor %}", widths)]
    if total:
        rows.append(ox.table_row([cell(w, P(style_name, ox.run(value, bold=True)), fill=TOTAL_FILL)
                                  for (style_name, value), w in zip(total, widths)]))
    return ox.table("Tableau", widths, rows)


def synthese(lang: Lang):
    """The summary: actions and budget per priority and per volet, actions by échéance."""
    amount = f"{L('budget', lang)} ({L('dirhams', lang)})"
    w = PORTRAIT_WIDTH
    return [
        no_break(P("Titre1", L("synthese", lang))),
        P("Titre2", L("par_priorite", lang)),
        summary_table(((L("priorite", lang), w - 70), (L("nombre_actions", lang), 30), (amount, 40)),
                      "e.priorites",
                      (("Cellule", "{{ x.code }} {{ x.intitule }}"), ("Cellulemontant", "{{ x.actions }}"),
                       ("Cellulemontant", "{{ x.total }}")),
                      (("Cellule", L("total", lang)), ("Cellulemontant", "{{ e.actions|length }}"),
                       ("Cellulemontant", "{{ e.total }}"))),
        P("Titre2", L("par_volet", lang)),
        summary_table(((L("volet", lang), w - 70), (L("nombre_actions", lang), 30), (amount, 40)),
                      "e.by_volet",
                      (("Cellule", "{{ x[0] }}"), ("Cellulemontant", "{{ x[1] }}"), ("Cellulemontant", "{{ x[2] }}"))),
        P("Titre2", L("par_echeance", lang)),
        summary_table(((L("echeance", lang), 40), (L("code", lang), 26), (L("actions", lang), w - 66)),
                      "e.by_echeance",
                      (("Cellule", "{{ x[0] }}"), ("Cellule", "{{ x[1] }}"), ("Cellule", "{{ x[2] }}"))),
    ]


def fiche(lang: Lang):
    """One fiche action (the variable ``a``), the same in the plan's annexes and in its own file."""
    c = colon(lang)
    label_w = round(PORTRAIT_WIDTH * 0.3, 1)
    value_w = PORTRAIT_WIDTH - label_w

    def row(key, *blocks):
        return ox.table_row([cell(label_w, P("Cellulelibelle", L(key, lang)), fill=TOTAL_FILL),
                             cell(value_w, *blocks)], cant_split_row=False)

    def md(part):
        return P(None, f"{{{{p md(a.fiche.{part}, 'cell') }}}}")

    body = ox.table("Tableaufiche", (label_w, value_w), [
        row("fiche_contexte", md("contexte")),
        row("fiche_public_vise", md("public_vise")),
        row("fiche_objectifs", md("objectifs")),
        row("fiche_responsable",
            P("Cellule", ox.run(f"{L('pilotes', lang)}{c}".rstrip(), bold=True)),
            P(None, "{{p items(a.pilotes, 'cell') }}"),
            TAG("{%p if a.partenaires %}"),
            P("Cellule", ox.run(f"{L('partenaires', lang)}{c}", bold=True), ox.run("{{ a.partenaires_text }}")),
            TAG("{%p endif %}")),
        row("fiche_ressources", P(None, "{{p items(a.humaines + a.materielles, 'cell') }}")),
        row("fiche_modalites", md("modalites")),
        row("indicateurs", P(None, "{{p items(a.indicateurs, 'cell') }}")),
        row("budget", P("Cellule", ox.run("{{ a.budget }}", bold=True),
                        ox.run(f" {L('dirhams', lang)}{{% if a.source %}} — {{{{ a.source }}}}{{% endif %}}"))),
        row("echeance", P("Cellule", f"{{{{ a.echeance }}}}{{% if a.rang %}} — {L('rang', lang)} {{{{ a.rang }}}}"
                                     "{% endif %}")),
        row("resultats_attendus", P(None, "{{p items(a.resultats, 'cell') }}")),
        row("suivi", P("Cellule", "{{ a.suivi }}")),
    ])
    lineage = (f"{L('priorite', lang)} {{{{ a.priorite_code }}}} · {L('objectif_general', lang)} {{{{ a.og_code }}}}"
               " · {{ a.os_code }} {{ a.os_intitule }}")
    return [P("Intitulefiche", "{{ a.intitule }}"), P("Filiationfiche", lineage), body]


def fiche_title(lang: Lang):
    """The title of a fiche action."""
    return P("Titrefiche", f"{L('fiche_action', lang)} {{{{ a.code }}}}")


def annexes(lang: Lang):
    """The annexes: one fiche action per action, each on its own page, the first under the title."""
    return [
        P("Titre1", L("annexes", lang)),
        TAG("{%p for a in e.actions %}"),
        TAG("{%p if loop.first %}"),
        no_break(fiche_title(lang)),
        TAG("{%p else %}"),
        fiche_title(lang),
        TAG("{%p endif %}"),
        *fiche(lang),
        TAG("{%p endfor %}"),
    ]


def modifications_table():
    """The tableau des modifications: code, nature, field, before, after (the header comes from the context)."""
    widths = widths_of((12, 14, 16, 29, 29), PORTRAIT_WIDTH)
    rows = [ox.table_row([header_cell(w, f"{{{{ e.modifications_header[{i}] }}}}") for i, w in enumerate(widths)],
                         header=True),
            TAG_ROW("{%tr for x in e.modifications %}", widths),
            ox.table_row([cell(w, P("Cellule", f"{{{{ x[{i}] }}}}")) for i, w in enumerate(widths)]),
            TAG_ROW("{%tr endfor %}", widths)]
    return ox.table("Tableau", widths, rows)


def historique(lang: Lang):
    """The historique des révisions and, against a previous version, the tableau des modifications."""
    return [
        P("Titre1", L("historique", lang)),
        summary_table(((L("date", lang), 40), (L("objet", lang), PORTRAIT_WIDTH - 40)), "e.revisions",
                      (("Cellule", "{{ x[0] }}"), ("Cellule", "{{ x[1] }}"))),
        TAG("{%p if e.modifications %}"),
        P("Titre2", L("modifications", lang)),
        modifications_table(),
        TAG("{%p endif %}"),
    ]


def validation(lang: Lang):
    """The validation page of a validated plan: "Fait à <lieu>, le <date>" (the ``Signature`` paragraph,
    which the renderer keeps with the table after it), one row per signataire (qualité and nom, then the
    room to sign), then the framed room for the seal: the PDF's layout (templates/shared/plan.html)."""
    widths = widths_of((45, 55), PORTRAIT_WIDTH)
    block = ox.table_row([cell(widths[0], P("Cellulelibelle", "{{ s[1] }}"), P("Cellule", "{{ s[0] }}"), fill=TOTAL_FILL),
                          cell(widths[1], P("Note", "{{ L.signature }}"))])
    ox.row_height(block, 25)
    seal = ox.table_row([cell(60, P("Note", "{{ L.cachet }}"))])
    ox.row_height(seal, 35)
    return [
        TAG("{%p if e.signataires %}"),
        P("Titre1", L("validation", lang)),
        TAG("{%p if e.validated %}"),
        P("Corps", ox.run("{{ e.validated }}", bold=True)),
        TAG("{%p endif %}"),
        P("Corps", "{{ e.instance }}"),
        P("Signature", "{{ e.fait_a }}"),
        ox.table("Tableau", widths, [TAG_ROW("{%tr for s in e.signataires %}", widths), block,
                                     TAG_ROW("{%tr endfor %}", widths)]),
        P("Note"),  # two tables side by side would merge
        ox.table("Tableau", [60], [seal]),
        TAG("{%p endif %}"),
    ]


# --- headers and footers -------------------------------------------------------------------------


def footer_paragraph(lang: Lang):
    """``Version du ... — page N / M``; in Arabic ``نسخة بتاريخ ... — صفحة N من M``, read right to left."""
    before, rest = L("page_sur", lang).split("{page}")
    middle, after = rest.split("{pages}")
    runs = [ox.run("{{ e.version }} — " + before)] + ox.field("PAGE", "1") + [ox.run(middle)]
    runs += ox.field("NUMPAGES", "1")
    if after:
        runs.append(ox.run(after))
    return ox.paragraph("Pieddepage", runs)


def watermark_paragraphs(lang: Lang, number: int):
    """The draft watermark, only when the plan is a projet: the renderer draws it from the house style
    (``[filigrane]`` in assets/charte.toml) where ``{{r watermark }}`` stands."""
    return [TAG("{%p if e.draft %}"), TAG("{{r watermark }}"), TAG("{%p endif %}")]


def fill_story(story, elements) -> None:
    """Replace the content of a header or footer."""
    element = story._element
    for existing in list(element):
        element.remove(existing)
    for item in elements:
        element.append(item)


# --- the package ---------------------------------------------------------------------------------

_UNWANTED = ("http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects", RT.CUSTOM_XML,
             RT.WEB_SETTINGS, RT.THEME, RT.THUMBNAIL)  # python-docx's default template carries them
STAMP = dt.datetime(2025, 1, 1)


def new_document(lang: Lang):
    """A python-docx document reduced to the parts a template needs, with our styles and lists."""
    document = docx.Document()
    for rels in (document.part.rels, document.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in _UNWANTED]:
            rels.pop(rid)
    for target, root in ((document.styles.element, styles(lang)), (document.part.numbering_part.element, numbering(lang)),
                         (document.settings.element, ox.settings_root(lang=LATIN_LANG, bidi_lang=BIDI_LANG))):
        for existing in list(target):
            target.remove(existing)
        for item in list(root):
            target.append(item)
    font_part = next(r.target_part for r in document.part.rels.values() if r.reltype == RT.FONT_TABLE)
    font_part._blob = ox.xml_bytes(ox.font_table([FAMILIES[lang]]))
    props = document.core_properties
    props.author = props.last_modified_by = "publisher"
    props.comments = ""
    props.title = LABELS["titre"][1 if lang is Lang.AR else 0]
    props.language = f"{lang.value}-MA"
    props.created = props.modified = STAMP
    props.revision = 1
    app = next(r.target_part for r in document.part.package.rels.values() if r.reltype == RT.EXTENDED_PROPERTIES)
    app._blob = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                 b"<Application>publisher</Application><DocSecurity>0</DocSecurity></Properties>")
    return document


def set_body(document, elements, final_sect_pr) -> None:
    """Replace the body with ``elements`` and the final section properties."""
    body = document.element.body
    for existing in list(body):
        body.remove(existing)
    for item in elements:
        body.append(item)
    body.append(final_sect_pr)


def finish(document, lang: Lang) -> bytes:
    """Right-to-left marks of the Arabic template, then the deterministic package."""
    if lang.rtl:
        for root in [document.element.body] + [s._element for sec in document.sections
                                               for s in (sec.header, sec.footer, sec.first_page_header,
                                                         sec.first_page_footer) if not s.is_linked_to_previous]:
            ox.bidi_everywhere(root)
    buffer = io.BytesIO()
    document.save(buffer)
    return ox.deterministic_zip(buffer.getvalue(), STAMP.date())


def plan_template(lang: Lang) -> bytes:
    """``templates/<lang>/plan.docx``."""
    document = new_document(lang)
    title = f"{L('titre', lang)} — {{{{ e.territory }}}}"
    set_body(document, [
        *cover(lang),
        *sommaire(lang),
        *narrative(),
        ox.section_break(section(False, lang, title_page=True)),
        *canevas(lang),
        ox.section_break(section(True, lang)),
        *synthese(lang),
        *annexes(lang),
        *historique(lang),
        *validation(lang),
    ], section(False, lang))
    first = document.sections[0]
    first.different_first_page_header_footer = True
    fill_story(first.header, [*watermark_paragraphs(lang, 1), ox.paragraph("Entete", [ox.run(title)])])
    fill_story(first.first_page_header, [*watermark_paragraphs(lang, 2), ox.paragraph(None)])
    fill_story(first.footer, [footer_paragraph(lang)])
    fill_story(first.first_page_footer, [ox.paragraph(None)])
    return finish(document, lang)


def fiche_template(lang: Lang) -> bytes:
    """``templates/<lang>/fiche.docx``: the documents handed out alone, under a letterhead.

    One template for three documents, which share their letterhead, header and footer: the fiche
    action of one action (``fiches`` holds it alone), the fiches of the actions an acteur pilots or
    partners (``acteur`` names it; a list of its fiches comes first), and the tableau des
    modifications against the previous version (``changes``; ``fiches`` is empty).
    """
    document = new_document(lang)
    title = no_break(fiche_title(lang))
    ox.outline_level(ox.ppr(title), 0)  # the document's own title
    list_width = PORTRAIT_WIDTH - 24 - 34
    letterhead = P("Entetefiche", f"{L('titre', lang)} ({periode(lang)}) — {{{{ e.version }}}}")
    ox.set_spacing(ox.ppr(letterhead), 0, 16)
    set_body(document, [
        P("Entetefiche", ox.run(f"{L('royaume', lang)} — {{{{ e.territory }}}}", bold=True)),
        letterhead,
        TAG("{%p if acteur %}"),
        no_break(P("Titre1", "{{ acteur }}")),
        summary_table(((L("code", lang), 24), (L("actions", lang), list_width), (L("echeance", lang), 34)), "fiches",
                      (("Cellule", "{{ x.code }}"), ("Cellule", "{{ x.intitule }}"), ("Cellule", "{{ x.echeance }}"))),
        TAG("{%p endif %}"),
        TAG("{%p if changes %}"),
        no_break(P("Titre1", L("modifications", lang))),
        P("Corps", "{{ e.previous_version }}"),
        P("Corps", "{{ e.version }}"),
        modifications_table(),
        TAG("{%p endif %}"),
        TAG("{%p for a in fiches %}"),
        TAG("{%p if loop.first and not acteur %}"),
        title,
        TAG("{%p else %}"),
        fiche_title(lang),
        TAG("{%p endif %}"),
        *fiche(lang),
        TAG("{%p endfor %}"),
    ], section(False, lang))
    only = document.sections[0]
    running = f"{L('titre', lang)} — {{{{ e.territory }}}}"
    fill_story(only.header, [*watermark_paragraphs(lang, 1), ox.paragraph("Entete", [ox.run(running)])])
    fill_story(only.footer, [footer_paragraph(lang)])
    return finish(document, lang)


BUILDERS = {"plan.docx": plan_template, "fiche.docx": fiche_template}


def build_all(folder: Path = TEMPLATES) -> dict[Path, bytes]:
    """Every template, by path under ``folder``."""
    return {folder / lang.value / name: build(lang) for lang in Lang for name, build in BUILDERS.items()}


def main(argv: list[str]) -> int:
    """Write the templates into the folder named, or over the committed ones with --replace."""
    if argv == ["--replace"]:
        folder = TEMPLATES
    elif len(argv) == 1 and not argv[0].startswith("-"):
        folder = Path(argv[0])
    else:
        print("usage : tools/make_docx_templates.py DOSSIER | --replace", file=sys.stderr)
        return 2
    for path, data in build_all(folder).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"écrit  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
