"""The DOCX editions, read back with python-docx and through LibreOffice: content in order, the
canevas structure, right to left in Arabic, totals, embedded fonts, literal content, same bytes."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from publisher import fonts, resources
from publisher.check import load_checked
from publisher.i18n import format_amount, format_date, label, typography
from publisher.model import Lang
from publisher.render import context, ooxml
from publisher.render.docx import CELL_BULLETS, LIST_BULLETS, LIST_NUMBERS, STYLES, DocxRenderer

from .conftest import PLANS
from .pdftools import in_order, pdffonts, pdftotext, squeeze

ARABIC = re.compile("[\u0600-\u06ff]")
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
W_ = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# the totals rows, worded by the template today ("Total Objectif général", "المجموع الهدف العام") or by the
# context ("Total de l'objectif général", "مجموع الهدف العام") once the templates print its strings
TOTAL = re.compile("Total|مجموع")
NBSP, NNBSP = "\u00a0", "\u202f"
HAS_SOFFICE = shutil.which("soffice") is not None and shutil.which("pdffonts") is not None


# --- fixtures: every document is rendered once per module -----------------------------------------


@pytest.fixture(scope="module")
def plan(example_plan):
    """The example plan (validated, three priorities, 26 actions)."""
    return example_plan


@pytest.fixture(scope="module")
def draft():
    """The minimal sample plan (a draft)."""
    return load_checked(PLANS / "minimal").plan


def _hostile_plan(folder: Path) -> Path:
    """A copy of the minimal plan whose texts are full of markup, template syntax and entities,
    with a logo, an image and a link."""
    shutil.copytree(PLANS / "minimal", folder)
    text = (folder / "plan.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '''intitule: {fr: "Mettre en place une cellule d'écoute", ar: "إحداث خلية للإنصات"}''',
        '''intitule: {fr: "Mettre en place A & B <c> \\"q\\" 'q' {{ e.title }} {% if 1 %}x{% endif %}",'''
        ''' ar: "إحداث خلية & <c> {{ e.title }} {%p if 1 %} CPPE"}''',
    )
    text = text.replace('suivi: {fr: "Rapport trimestriel"', 'suivi: {fr: "Rapport {#c#} &amp; &lt;x&gt;"')
    text = text.replace("narratif: [contexte]", "narratif: [contexte]\nlogos: [assets/logo.png]")
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    assert "A & B" in text and "logos:" in text
    (folder / "assets").mkdir()
    (folder / "assets" / "logo.png").write_bytes(_png())
    (folder / "fr" / "contexte.md").write_text(
        "# Contexte\n\nTexte {{ config }} & {%p for x in y %} <b>gras</b> \"cité\".\n\n"
        "Voir le [site](https://www.social.gov.ma) et ![carte](assets/logo.png)\n", encoding="utf-8")
    return folder


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (18, 58, 99)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The plan of :func:`_hostile_plan`, loaded."""
    return load_checked(_hostile_plan(tmp_path_factory.mktemp("hostile") / "plan")).plan


@pytest.fixture(scope="module")
def revised():
    """revision-v2, compared with revision-v1 (its tableau des modifications is not empty)."""
    plan = load_checked(PLANS / "revision-v2").plan
    return plan.model_copy(update={"previous": load_checked(PLANS / "revision-v1").plan})


@pytest.fixture(scope="module")
def rendered(plan, draft, hostile, revised, example_documents):
    """name -> DOCX bytes: both editions of the example plan and of the draft, fiches, the hostile plan,
    an acteur's fiches, the tableau des modifications and a bilingual volume."""
    renderer = DocxRenderer()
    out = {"bilingue": renderer.bilingual(revised)}
    for lang in Lang:
        out[f"plan-{lang.value}"] = example_documents("docx", "plan", lang)
        out[f"fiche-{lang.value}"] = example_documents("docx", "fiche", lang, plan.actions[0].code)
        out[f"draft-{lang.value}"] = renderer.plan(draft, lang)
        out[f"hostile-{lang.value}"] = renderer.plan(hostile, lang)
        out[f"bundle-{lang.value}"] = renderer.bundle(plan, "sante", lang)
        out[f"changes-{lang.value}"] = renderer.changes(revised, lang)
    out["hostile-fiche-fr"] = renderer.fiche(hostile, hostile.actions[0], Lang.FR)
    return out


@pytest.fixture(scope="module")
def converted(rendered, tmp_path_factory):
    """Every DOCX converted to PDF by LibreOffice in one run, with a fresh profile: name -> PDF path."""
    if not HAS_SOFFICE:
        pytest.skip("LibreOffice and poppler-utils are installed by setup.sh --test")
    folder = tmp_path_factory.mktemp("soffice")
    for name, data in rendered.items():
        (folder / f"{name}.docx").write_bytes(data)
    profile = tmp_path_factory.mktemp("profile")
    files = sorted(str(p) for p in folder.glob("*.docx"))
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *files],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {name: folder / f"{name}.pdf" for name in rendered}


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def paragraphs(root) -> list:
    """Every paragraph under ``root`` in document order, those of table cells included."""
    return list(root.iter(qn("w:p")))


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def style_of(paragraph) -> str | None:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else None


def body_text(document) -> str:
    """The text of the body, one line per paragraph, without the sommaire's entries."""
    return "\n".join(text_of(p) for p in paragraphs(document.element.body) if style_of(p) not in ("TM1", "TM2"))


def canevas_tables(document) -> list:
    return [t for t in document.element.body.iter(qn("w:tbl"))
            if t.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}").get(qn("w:val")) == "Tableaucanevas"]


def stories(document) -> list:
    """The header and footer parts."""
    return [rel.target_part.element for rel in document.part.rels.values()
            if rel.reltype.endswith(("/header", "/footer"))]


# --- content, in order ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
def test_every_action_code_title_and_budget_in_order(plan, rendered, lang) -> None:
    document = open_docx(rendered[f"plan-{lang.value}"])
    text = body_text(document)
    canevas = text[text.index(label("canevas", lang) + "\n"):text.index(label("synthese", lang) + "\n")]
    needles = [x for a in plan.actions for x in (a.code, a.intitule[lang], format_amount(a.budget.montant, lang))]
    assert in_order(canevas, needles) == []
    annexes = text[text.index(label("annexes", lang) + "\n"):]
    needles = [x for a in plan.actions for x in (f"{label('fiche_action', lang)} {a.code}", a.intitule[lang])]
    assert in_order(annexes, needles) == []


@pytest.mark.parametrize("lang", list(Lang))
def test_document_order_and_one_fiche_per_page(plan, rendered, lang) -> None:
    document = open_docx(rendered[f"plan-{lang.value}"])
    chapters = [text_of(p) for p in paragraphs(document.element.body) if style_of(p) in ("Titresommaire", "Titre1")]
    sections = [s.title for s in context.edition(plan, lang).sections]
    assert chapters == [label("sommaire", lang), *sections, label("canevas", lang), label("synthese", lang),
                        label("annexes", lang), label("historique", lang), label("validation", lang)]
    text = body_text(document) + "".join(text_of(s) for s in stories(document))
    assert "{{" not in text and "{%" not in text and "}}" not in text  # every tag of the template was filled
    fiches = [p for p in paragraphs(document.element.body) if style_of(p) == "Titrefiche"]
    assert [text_of(p) for p in fiches] == [f"{label('fiche_action', lang)} {a.code}" for a in plan.actions]
    # each fiche opens a page with its letterhead, as the annex file does (the PDF's fiches are the annex's
    # own pages): the "Annexes" page says how many follow; the title itself never breaks the page
    assert label("fiches_action", lang) in text_of(next(p for p in paragraphs(document.element.body) if style_of(p)
                                                       == "Titre1" and text_of(p) == label("annexes", lang)).getnext())
    for number, fiche in enumerate(fiches):
        letterhead = [fiche.getprevious().getprevious(), fiche.getprevious()]
        assert [style_of(p) for p in letterhead] == ["Entetefiche", "Entetefiche"]
        assert fiche.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}").get(qn("w:val")) == "0"
        # each fiche is a section of its own (its continued pages name it in their header): the section
        # break before its letterhead turns the page
        ended = letterhead[0].getprevious().find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        assert ended is not None and (number == 0 or ended.find(qn("w:titlePg")) is not None)
        kind = ended.find(qn("w:type"))
        assert kind is None or kind.get(qn("w:val")) == "nextPage"
    styles = document.styles.element
    fiche_style = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='Titrefiche']")
    assert fiche_style.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None


@pytest.mark.parametrize("lang", list(Lang))
def test_fiche_document(plan, rendered, lang) -> None:
    action = plan.actions[0]
    document = open_docx(rendered[f"fiche-{lang.value}"])
    text = body_text(document)
    assert in_order(text, [label("royaume", lang), f"{label('fiche_action', lang)} {action.code}",
                           action.intitule[lang], label("fiche_contexte", lang), label("fiche_modalites", lang),
                           format_amount(action.budget.montant, lang), label("resultats_attendus", lang)]) == []
    assert all(a.code not in text for a in plan.actions[1:] if a.code != action.code)


# --- the canevas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
def test_canevas_header_rows_repeat_and_rows_do_not_split(plan, rendered, lang) -> None:
    tables = canevas_tables(open_docx(rendered[f"plan-{lang.value}"]))
    assert len(tables) == len(plan.objectifs_generaux)
    for table in tables:
        rows = table.findall(qn("w:tr"))
        header = [r.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None for r in rows]
        assert header[:3] == [True, True, True] and not any(header[3:])
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)  # every row fits
        labels = [text_of(c) for c in rows[2].findall(qn("w:tc"))]
        assert labels[0] == label("objectifs_specifiques", lang) and labels[-1] == label("suivi", lang)
        assert len(labels) == 10


def test_a_canevas_row_taller_than_a_page_may_split_and_totals_keep_their_row() -> None:
    """The stress plan's A1.1.1.3 (five pilots, long texts) cannot fit on one landscape page in Arabic:
    it may split (LibreOffice clips a row that may not); the short rows stay whole; no totals row
    opens a page alone."""
    stress = load_checked(PLANS / "stress").plan
    document = open_docx(DocxRenderer().plan(stress, Lang.AR))
    codes = {a.code for a in stress.actions}
    whole = {}  # action code -> whether its row is kept whole
    for row in (r for t in canevas_tables(document) for r in t.findall(qn("w:tr"))):
        found = [c for c in re.findall(r"[A-Z]+[0-9][0-9.]*[0-9]", text_of(row)) if c in codes]
        if found:
            whole[found[0]] = row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
    assert set(whole) == codes and whole["A1.1.1.3"] is False
    assert sum(whole.values()) >= len(codes) - 2
    for table in document.element.body.iter(qn("w:tbl")):
        table_rows = table.findall(qn("w:tr"))
        for before, row in zip(table_rows, table_rows[1:]):
            if style_of(row.find(f"{qn('w:tc')}/{qn('w:p')}")) == "Celluletotal" or row is table_rows[-1]:
                if before.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None:
                    assert all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in paragraphs(before))


@pytest.mark.parametrize("lang", list(Lang))
def test_each_objectif_specifique_spans_its_actions(plan, rendered, lang) -> None:
    tables = canevas_tables(open_docx(rendered[f"plan-{lang.value}"]))
    for og, table in zip(plan.objectifs_generaux, tables):
        rows = table.findall(qn("w:tr"))
        assert og.code in text_of(rows[1]) and og.intitule[lang] in text_of(rows[1])
        body = iter(rows[3:])
        for os_ in og.objectifs_specifiques:
            for index, action in enumerate(os_.actions):
                cells = next(body).findall(qn("w:tc"))
                merge = cells[0].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                assert merge is not None
                if index == 0:
                    assert merge.get(qn("w:val")) == "restart"
                    assert os_.code in text_of(cells[0]) and os_.intitule[lang] in text_of(cells[0])
                else:
                    assert merge.get(qn("w:val")) in (None, "continue") and not text_of(cells[0]).strip()
                assert text_of(cells[1]).startswith(action.code)


@pytest.mark.parametrize("lang", list(Lang))
def test_totals_are_the_models(plan, rendered, lang) -> None:
    document = open_docx(rendered[f"plan-{lang.value}"])
    tables = iter(canevas_tables(document))
    for priorite in plan.priorites:
        for og in priorite.objectifs_generaux:
            totals = [text_of(r) for r in next(tables).findall(qn("w:tr")) if TOTAL.search(text_of(r))]
            assert og.code in totals[0] and totals[0].endswith(format_amount(og.budget_total, lang))
            if og is priorite.objectifs_generaux[-1]:
                assert priorite.code in totals[1] and totals[1].endswith(format_amount(priorite.budget_total, lang))
            else:
                assert len(totals) == 1
    text = body_text(document)
    assert any(TOTAL.search(line) and format_amount(plan.budget_total, lang) in line for line in text.split("\n"))
    synthese = text[text.index(label("synthese", lang) + "\n"):]
    assert in_order(synthese, [format_amount(p.budget_total, lang) for p in plan.priorites]
                    + [format_amount(plan.budget_total, lang)]) == []


@pytest.mark.parametrize("lang", list(Lang))
def test_canevas_is_landscape_and_the_rest_portrait(rendered, lang) -> None:
    document = open_docx(rendered[f"plan-{lang.value}"])
    sizes = [(s.page_width > s.page_height, s.orientation.name) for s in document.sections]
    # (the portrait pages after the canevas hold a section per fiche action: their continued pages' header)
    assert [size for size, _ in itertools.groupby(sizes)] == [(False, "PORTRAIT"), (True, "LANDSCAPE"), (False, "PORTRAIT")]
    body = document.element.body
    for table in canevas_tables(document):  # never right after a section break (LibreOffice drops it)
        previous = table.getprevious()
        assert previous.tag == qn("w:p") and previous.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is None
    landscape_start = [p for p in body if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None][0].getnext()
    assert style_of(landscape_start) == "Titre1" and text_of(landscape_start) == label("canevas", lang)


# --- right to left ----------------------------------------------------------------------------------


def test_arabic_edition_is_right_to_left_throughout(rendered) -> None:
    for name in ("plan-ar", "fiche-ar", "draft-ar"):
        document = open_docx(rendered[name])
        for root in [document.element.body, *stories(document)]:
            assert all(ooxml.has_bidi(p) for p in paragraphs(root)), name
            for table in root.iter(qn("w:tbl")):
                assert table.find(f"{qn('w:tblPr')}/{qn('w:bidiVisual')}") is not None
            for run in root.iter(qn("w:r")):
                text = text_of(run)
                rtl = run.find(f"{qn('w:rPr')}/{qn('w:rtl')}") is not None
                if ARABIC.search(text):
                    assert rtl, f"{name}: Arabic run without w:rtl: {text!r}"
                if any(unicodedata.bidirectional(ch) == "L" for ch in text):
                    assert not rtl, f"{name}: w:rtl on Latin text: {text!r}"
        for section in document.sections:
            assert section._sectPr.find(qn("w:bidi")) is not None
    document = open_docx(rendered["plan-ar"])
    runs = {text_of(r) for r in document.element.body.iter(qn("w:r"))}
    assert "A1.1.1.1" in runs and "CAPE" in runs  # Latin codes and acronyms in runs of their own


def test_arabic_styles_carry_direction_fonts_and_language(rendered) -> None:
    styles = open_docx(rendered["plan-ar"]).styles.element
    defaults = styles.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:pPrDefault')}//{qn('w:bidi')}") is not None
    fonts_ = defaults.find(f".//{qn('w:rFonts')}")
    assert fonts_.get(qn("w:cs")) == fonts_.get(qn("w:ascii")) == "Amiri"
    assert defaults.find(f".//{qn('w:szCs')}") is not None
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:bidi")) == "ar-MA"
    for style_id in ("Normal", "Entete", "Pieddepage"):
        style = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
        assert style.find(f"{qn('w:pPr')}/{qn('w:bidi')}") is not None, style_id
    bold = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='Titre1']/{qn('w:rPr')}")
    assert bold.find(qn("w:b")) is not None and bold.find(qn("w:bCs")) is not None
    # alignment is left to the direction: no right-aligned Arabic (inside bidi, "right" lands on the left)
    assert not styles.xpath(".//w:jc[@w:val='right' or @w:val='left']")


def test_footer_reads_version_and_page_n_of_m(plan, rendered) -> None:
    for lang, words in ((Lang.FR, ("page", "/")), (Lang.AR, ("صفحة", "من"))):
        document = open_docx(rendered[f"plan-{lang.value}"])
        footer = document.sections[0].footer._element
        instructions = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"]
        text = text_of(footer)
        assert text.startswith(label("version_du", lang, date="")) and all(w in text for w in words)


# --- structures: sommaire, Markdown, watermark, validation ----------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
def test_sommaire_is_a_toc_field_holding_its_entries(rendered, lang) -> None:
    """A real TOC field whose cached result is the entries (shown where fields are not updated, as in
    Word's Protected View), each a link to its heading with a PAGEREF field."""
    body = open_docx(rendered[f"plan-{lang.value}"]).element.body
    entries = [p for p in paragraphs(body) if style_of(p) in ("TM1", "TM2")]
    headings = [p for p in paragraphs(body) if style_of(p) in ("Titre1", "Titre2")]
    assert [text_of(e) for e in entries] == [text_of(h) for h in headings]
    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    kinds = [f.get(qn("w:fldCharType")) for e in entries for f in e.iter(qn("w:fldChar"))]
    assert kinds[0] == "begin" and kinds[-1] == "end"  # the TOC field opens in the first entry, ends in the last
    assert kinds.count("begin") == kinds.count("end") == len(entries) + 1
    first = "".join(t.text for t in entries[0].iter(qn("w:instrText"))).split()
    assert first[:3] == ["TOC", "\\o", '"1-2"'] and "\\h" in first  # the levels the PDF's sommaire shows
    for entry in entries:
        instruction = "".join(t.text for t in entry.find(qn("w:hyperlink")).iter(qn("w:instrText"))).split()
        assert instruction[:1] == ["PAGEREF"] and instruction[1] in marks
        assert entry.find(qn("w:hyperlink")).get(qn("w:anchor")) == instruction[1]


def test_word_updates_fields_only_where_there_is_a_sommaire(rendered) -> None:
    """updateFields (Word's prompt on opening) in a plan (its sommaire) and a bundle (its cover's pages),
    never in a fiche, which has nothing to update."""
    def asks(name: str) -> bool:
        return b"updateFields" in zipfile.ZipFile(io.BytesIO(rendered[name])).read("word/settings.xml")

    assert asks("plan-fr") and asks("plan-ar") and asks("bilingue") and asks("bundle-fr") and asks("bundle-ar")
    assert not any(asks(name) for name in ("fiche-fr", "fiche-ar", "changes-ar"))


@pytest.mark.parametrize("lang", list(Lang))
def test_every_list_bullet_has_a_glyph_in_the_embedded_face(rendered, lang) -> None:
    """Amiri lacks ◦: no bullet of the numbering asks for a character the edition's face does not draw."""
    for name in (f"plan-{lang.value}", f"fiche-{lang.value}"):
        numbering = open_docx(rendered[name]).part.numbering_part.element
        bullets = [lvl.find(qn("w:lvlText")).get(qn("w:val")) for lvl in numbering.iter(qn("w:lvl"))
                   if lvl.find(qn("w:numFmt")).get(qn("w:val")) == "bullet"]
        assert len(bullets) >= 3 and not fonts.missing("".join(bullets), lang), (name, bullets)


def test_markdown_becomes_word_structures(plan, rendered) -> None:
    document = open_docx(rendered["plan-fr"])
    body = document.element.body
    styles = [style_of(p) for p in paragraphs(body)]
    assert styles.count("Titre2") > len(plan.priorites) and "Listepuces" in styles and "Listenumeros" in styles
    numbered = [p for p in paragraphs(body) if style_of(p) == "Listenumeros"]
    assert all(p.find(f".//{qn('w:numPr')}/{qn('w:numId')}") is not None for p in numbered)
    assert body.xpath(".//w:r[w:rPr/w:b]") and body.xpath(".//w:r[w:rPr/w:i]")
    links = list(body.iter(qn("w:hyperlink")))
    external = [document.part.rels[h.get(qn("r:id"))].target_ref for h in links if h.get(qn("r:id"))]
    assert "https://www.social.gov.ma" in external
    md_tables = [t for t in body.iter(qn("w:tbl")) if t.find(f".//{qn('w:tblStyle')}").get(qn("w:val")) == "Tableau"]
    assert md_tables


def test_draft_has_watermark_in_every_header_and_validated_plan_signature_blocks(plan, rendered) -> None:
    for lang, word in ((Lang.FR, "PROJET"), (Lang.AR, label("projet", Lang.AR))):
        draft = open_docx(rendered[f"draft-{lang.value}"])
        headers = [s for s in stories(draft) if s.tag == qn("w:hdr")]
        # the cover's, the other pages', and those of the pages a fiche continues on
        fiches = [p for p in paragraphs(draft.element.body) if style_of(p) == "Titrefiche"]
        assert fiches and len(headers) == 2 + len(fiches)
        for header in headers:
            paths = header.xpath(".//*[local-name()='textpath'][@string]")
            assert [p.get("string") for p in paths] == [word]
        validated = open_docx(rendered[f"plan-{lang.value}"])
        assert not any(s.xpath(".//*[local-name()='textpath'][@string]") for s in stories(validated))
        text = body_text(validated)
        assert label("validation", lang) in text and label("validation", lang) not in body_text(draft)
        place = typography(plan.province[lang], lang)
        fait_a = label("fait_a", lang, lieu=place, date=format_date(plan.validation.date, lang))
        line = [p for p in paragraphs(validated.element.body) if text_of(p) == fait_a]
        assert len(line) == 1, fait_a  # "Fait à Assafa, le 2 avril 2025" / «حرر بأسافة في 2 أبريل 2025»
        # one row per signataire: qualité and nom, then the room to sign; then the framed room for the seal
        table = line[0].getnext()
        rows = table.findall(qn("w:tr"))
        assert [[text_of(p) for p in r.findall(qn("w:tc"))[0].iter(qn("w:p"))] for r in rows] == [
            [typography(s.qualite[lang], lang), s.nom[lang]] for s in plan.validation.signataires]
        assert {text_of(r.findall(qn("w:tc"))[1]) for r in rows} == {label("signature", lang)}
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:trHeight')}") is not None for r in rows)
        seal = table.getnext().getnext()
        assert seal.tag == qn("w:tbl") and text_of(seal) == label("cachet", lang)
        # page breaks: the line with the first row, the last row with the one before it and with the seal
        keeps = [p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
                 for p in [line[0], *(r.find(f".//{qn('w:p')}") for r in rows), table.getnext()]]
        assert keeps == [True] + [False] * (len(rows) - 2) + [True, True, True]
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)


@pytest.mark.parametrize("lang", list(Lang))
def test_a_fiche_s_continued_pages_name_it_in_their_header(rendered, lang) -> None:
    """Each fiche action is a section whose pages after the first (w:titlePg) add under the running
    header "Fiche action <code> (suite) — <title>", in the plan, a fiche annex and an acteur's bundle."""
    suite = label("suite", lang)
    for name in (f"plan-{lang.value}", f"fiche-{lang.value}", f"bundle-{lang.value}"):
        document = open_docx(rendered[name])
        titles = [text_of(p) for p in paragraphs(document.element.body) if style_of(p) == "Titrefiche"]
        continued = [s for s in document.sections if suite in text_of(s.header._element)]
        assert [text_of(s.header.paragraphs[-1]._p).split(f" {suite} \u2014 ")[0] for s in continued] == titles, name
        for section in continued:
            assert section.different_first_page_header_footer  # the fiche's first page: the usual header
            assert suite not in text_of(section.first_page_header._element)
            assert text_of(section.first_page_header._element) in text_of(section.header._element)
        after = document.sections[-1]  # the historique (in the plan) keeps the usual header
        if name.startswith("plan"):
            assert suite not in text_of(after.header._element)


def test_content_comes_out_literally(hostile, rendered) -> None:
    for name, lang in (("hostile-fr", Lang.FR), ("hostile-ar", Lang.AR), ("hostile-fiche-fr", Lang.FR)):
        text = body_text(open_docx(rendered[name]))
        assert typography(hostile.actions[0].intitule[lang], lang) in text
        if lang is Lang.FR:  # literal, in French typography: a narrow no-break space in "1 %"
            assert f"Mettre en place A & B <c> \"q\" 'q' {{{{ e.title }}}} {{% if 1{NNBSP}%}}x{{% endif %}}" in text
            assert "Rapport {#c#} &amp; &lt;x&gt;" in text
    text = body_text(open_docx(rendered["hostile-fr"]))
    assert "Texte {{ config }} & {%p for x in y %} <b>gras</b> \"cité\"." in text
    document = open_docx(rendered["hostile-fr"])
    assert len(document.inline_shapes) == 2  # the logo on the cover, the image in the text
    assert "https://www.social.gov.ma" in [r.target_ref for r in document.part.rels.values() if r.is_external]


# --- the other documents: an acteur's fiches, the tableau des modifications, the bilingual volume --------


@pytest.mark.parametrize("lang", list(Lang))
def test_acteur_bundle_holds_exactly_its_fiches(plan, rendered, lang) -> None:
    body = open_docx(rendered[f"bundle-{lang.value}"]).element.body
    titles = [text_of(p) for p in paragraphs(body) if style_of(p) == "Titrefiche"]
    mine = [a for a in plan.actions if "sante" in plan.acteurs_of(a)]
    assert mine and titles == [f"{label('fiche_action', lang)} {a.code}" for a in mine]
    assert context.acteur_name(plan, "sante", lang, full=True) in [text_of(p) for p in paragraphs(body)]


def _cover_rows(data: bytes) -> list[tuple[str, str, str]]:
    """The bundle cover's rows: (code, role, the bookmark its page refers to)."""
    body = open_docx(data).element.body
    table = next(body.iter(qn("w:tbl")))
    rows = []
    for row in table.findall(qn("w:tr"))[1:]:
        cells = row.findall(qn("w:tc"))
        field = "".join(t.text for t in cells[-1].iter(qn("w:instrText"))).split()
        rows.append((text_of(cells[0]), text_of(cells[-2]), field[1] if field[:1] == ["PAGEREF"] else ""))
    return rows


@pytest.mark.parametrize("lang", list(Lang))
def test_acteur_bundle_cover_lists_role_and_page_of_each_fiche(plan, rendered, lang) -> None:
    """The cover lists each fiche with the acteur's role in its action and a PAGEREF to the fiche's heading."""
    body = open_docx(rendered[f"bundle-{lang.value}"]).element.body
    header = [text_of(c) for c in next(body.iter(qn("w:tbl"))).find(qn("w:tr")).findall(qn("w:tc"))]
    assert header[-2:] == [label("role", lang), label("page", lang)]
    marks = {b.get(qn("w:name")): b.getparent() for b in body.iter(qn("w:bookmarkStart"))}
    expected = []
    for action in plan.actions_of("sante"):
        pilots, partners = any(p.acteur == "sante" for p in action.pilotes), "sante" in action.partenaires
        expected.append((action.code, label("role_pilote_partenaire" if pilots and partners else
                                            "role_pilote" if pilots else "role_partenaire", lang)))
    rows = _cover_rows(rendered[f"bundle-{lang.value}"])
    assert [(code, role) for code, role, _ in rows] == expected
    assert {role for _, role in expected} == {label("role_pilote", lang), label("role_partenaire", lang)}
    for code, _, anchor in rows:
        heading = marks[anchor]
        assert style_of(heading) == "Titrefiche" and text_of(heading).endswith(code)


@pytest.mark.parametrize("lang", list(Lang))
def test_tableau_des_modifications(revised, rendered, lang) -> None:
    edition = context.edition(revised, lang)
    assert edition.modifications
    for name in (f"changes-{lang.value}", "bilingue"):
        text = body_text(open_docx(rendered[name]))
        assert label("modifications", lang) in text
        assert in_order(text, [x for row in edition.modifications for x in row if x]) == []
        unit = label("unite", lang)
        assert any(f"30{'.' if lang is Lang.AR else NNBSP}000{NBSP}{unit}" in line for line in text.split("\n"))


# --- what the context composes, printed as the PDF prints it ------------------------------------------

# The DOCX templates still type these strings literally (templates/*/plan.docx, fiche.docx): the lead
# replaces them by the context's strings; these tests then pass and their marker goes.


@pytest.mark.parametrize("lang", list(Lang))
def test_headings_periode_and_content_typography(plan, rendered, lang) -> None:
    edition = context.edition(plan, lang)
    lines = body_text(open_docx(rendered[f"plan-{lang.value}"])).split("\n")
    for priorite in edition.priorites:  # the same punctuation as the PDF: "P1 :" in French, "P1:" in Arabic
        assert str(priorite.heading) in lines
        for og in priorite.objectifs:
            assert str(og.heading) in lines
    text = "\n".join(lines)
    assert "2025\u20132027" in text and "2025 - 2027" not in text
    if lang is Lang.FR:
        assert f"«{NNBSP}comment{NNBSP}»" in text and f"(33,8{NNBSP}%)" in text and f"139{NNBSP}300" in text
        assert f"précisé le «{NNBSP}comment{NNBSP}» de chaque action{NBSP}:" in text
    else:  # one number format in the Arabic edition: the writers' "139 300" as Babel's ar_MA writes amounts
        assert "139.300" in text and format_amount(plan.budget_total, lang) in text
        assert not re.search(r"\d[ \u00a0\u202f]\d{3}(?!\d)", text)


@pytest.mark.parametrize("lang", list(Lang))
def test_totals_wording_is_the_contexts(plan, rendered, lang) -> None:
    edition = context.edition(plan, lang)
    text = body_text(open_docx(rendered[f"plan-{lang.value}"]))
    for priorite in edition.priorites:
        assert priorite.total_label in text and all(og.total_label in text for og in priorite.objectifs)
    assert edition.total_line in text.split("\n")


@pytest.mark.parametrize("lang", list(Lang))
def test_budget_unit_in_headers_and_fiches(plan, rendered, lang) -> None:
    edition = context.edition(plan, lang)
    text = body_text(open_docx(rendered[f"plan-{lang.value}"]))
    assert label("budget_colonne", lang) in text.split("\n")
    assert in_order(text, [a.budget_text for a in edition.actions]) == []


@pytest.mark.parametrize("lang", list(Lang))
def test_summary_tables_end_with_totals(plan, rendered, lang) -> None:
    edition = context.edition(plan, lang)
    text = body_text(open_docx(rendered[f"plan-{lang.value}"]))
    synthese = text[text.index(label("par_volet", lang)):]
    assert in_order(synthese, [*map(str, edition.by_volet_total), label("par_echeance", lang),
                               *[x for x in edition.by_echeance_total if x]]) == []


@pytest.mark.parametrize("lang", list(Lang))
def test_the_actions_by_echeance_open_a_page(rendered, lang) -> None:
    """As in the PDF (a part of its own there), the actions by échéance open a page; the budgets' tables
    before them do not."""
    body = open_docx(rendered[f"plan-{lang.value}"]).element.body
    breaking = {"".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))
                if p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None}
    assert label("par_echeance", lang) in breaking and label("par_volet", lang) not in breaking


@pytest.mark.parametrize("lang", list(Lang))
def test_tableau_des_modifications_names_both_versions(revised, rendered, lang) -> None:
    title = context.edition(revised, lang).modifications_title
    assert title in body_text(open_docx(rendered[f"changes-{lang.value}"])).split("\n")


def test_bilingual_volume_holds_both_parts_each_in_its_direction(revised, rendered) -> None:
    document = open_docx(rendered["bilingue"])
    body = document.element.body
    text = body_text(document)
    assert text.index(label("royaume", Lang.FR)) < text.index(label("royaume", Lang.AR))
    for lang in Lang:
        assert in_order(text, [a.intitule[lang] for a in revised.actions]) == []
    arabic = [p for p in paragraphs(body) if ARABIC.search(text_of(p))]
    french = [p for p in paragraphs(body) if text_of(p) and not ARABIC.search(text_of(p))]
    assert all(ooxml.has_bidi(p) and (style_of(p) or "").endswith("ar") for p in arabic)
    assert not any(ooxml.has_bidi(p) for p in french if not (style_of(p) or "").endswith("ar"))
    orientations = [name for name, _ in itertools.groupby(s.orientation.name for s in document.sections)]
    assert orientations == ["PORTRAIT", "LANDSCAPE", "PORTRAIT", "LANDSCAPE", "PORTRAIT"]  # a fiche: a section
    marks = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    assert len(marks) == len(set(marks))
    assert len({d.get("id") for d in body.xpath("//wp:docPr")}) == len(body.xpath("//wp:docPr"))


def _style_value(styles, style_id: str | None, path: str):
    """The element at ``path`` (``w:pPr/w:outlineLvl``, ``w:rPr/w:lang``) of a style or of the first
    style it is based on that has one, else of the document defaults."""
    by_id = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    seen = set()
    while style_id in by_id and style_id not in seen:
        seen.add(style_id)
        found = by_id[style_id].find(path)
        if found is not None:
            return found
        based = by_id[style_id].find(qn("w:basedOn"))
        style_id = based.get(qn("w:val")) if based is not None else None
    return styles.find(f"{qn('w:docDefaults')}//{path.split('/')[-1]}")


def _parts(body) -> dict:
    """Each element of the bilingual volume's body -> the part holding it ("fr", "ar" or None for the
    title page), from the bookmarks spanning the parts."""
    names = {}
    for mark in body.iter(qn("w:bookmarkStart")):
        if mark.get(qn("w:name")) in ("Partie_fr", "Partie_ar"):
            names[mark.get(qn("w:id"))] = mark.get(qn("w:name"))[-2:]
    where, current = {}, None
    for element in body.iter():
        if element.tag == qn("w:bookmarkStart") and element.get(qn("w:id")) in names:
            current = names[element.get(qn("w:id"))]
        where[element] = current
        if element.tag == qn("w:bookmarkEnd") and element.get(qn("w:id")) in names:
            current = None
    return where


def test_bilingual_volume_title_page_sections_and_one_page_numbering(revised, rendered) -> None:
    """Page 1 the joint title page (French, then Arabic right to left), the French part on a right-hand
    page (its verso blank), the Arabic part on a right-hand page, page numbers never restarted."""
    document = open_docx(rendered["bilingue"])
    body = document.element.body
    joint = context.joint_title(revised)
    first_break = next(p for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None)
    title_page = [p for p in body.findall(qn("w:p"))[: body.index(first_break)] if text_of(p)]
    assert [text_of(p) for p in title_page] == [line for block in joint.blocks for line in block.lines]
    assert [ooxml.has_bidi(p) for p in title_page] == [False] * 4 + [True] * 4
    assert "\u200e2025" in text_of(title_page[6])  # the years read left to right in the Arabic line
    sections = list(body.iter(qn("w:sectPr")))
    starts = [s.find(qn("w:type")).get(qn("w:val")) for s in sections]
    arabic_start = next(i for i, s in enumerate(sections) if s.find(qn("w:bidi")) is not None)
    # the title page's section, then each part's: the French part and the Arabic part open on a right-hand
    # page, every other section (landscape canevas, each fiche) on the next page
    assert starts[1] == starts[arabic_start] == "oddPage" and arabic_start > 2
    assert all(s.find(qn("w:bidi")) is not None for s in sections[arabic_start:])
    assert all(kind == "nextPage" for i, kind in enumerate(starts) if i not in (1, arabic_start))
    assert not [n for n in body.iter(qn("w:pgNumType")) if n.get(qn("w:start")) is not None]
    # each part's footer: its wording around PAGE and NUMPAGES (one count over the volume)
    footers = {s.find(f"{qn('w:footerReference')}[@{qn('w:type')}='default']").get(qn("r:id")): i
               for i, s in enumerate(sections) if s.find(qn("w:footerReference")) is not None}
    for rid, index in footers.items():
        footer = document.part.related_parts[rid].element
        lang = Lang.AR if index >= arabic_start else Lang.FR
        fields = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
        assert fields == ["PAGE", "NUMPAGES"] and context.edition(revised, lang).page_wording[0] in text_of(footer)


def test_bilingual_volume_links_stay_in_their_part_and_the_arabic_part_is_arabic(revised, rendered) -> None:
    document = open_docx(rendered["bilingue"])
    body, styles = document.element.body, document.styles.element
    where = _parts(body)
    marks = {b.get(qn("w:name")): where[b] for b in body.iter(qn("w:bookmarkStart"))}
    assert len(marks) == len(list(body.iter(qn("w:bookmarkStart"))))  # unique names
    links = [(link.get(qn("w:anchor")), where[link])
             for link in body.iter(qn("w:hyperlink")) if link.get(qn("w:anchor"))]
    pagerefs = [(t.text.split()[1], where[t])
                for t in body.iter(qn("w:instrText")) if t.text.strip().startswith("PAGEREF")]
    assert {part for _, part in links} == {"fr", "ar"}
    assert [(anchor, marks.get(anchor)) for anchor, part in links + pagerefs if marks.get(anchor) != part] == []
    tocs = {where[t]: t.text for t in body.iter(qn("w:instrText")) if t.text.strip().startswith("TOC")}
    assert set(tocs) == {"fr", "ar"} and all(f"\\b Partie_{part}" in text for part, text in tocs.items())
    # the navigation pane and a rebuilt sommaire: each part's headings of levels 1-2 are its sommaire's entries
    for part in ("fr", "ar"):
        headings = []
        for p in body.iter(qn("w:p")):
            level = _style_value(styles, style_of(p), f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
            if where[p] == part and level is not None and int(level.get(qn("w:val"))) <= 1:
                headings.append(next(b.get(qn("w:name")) for b in p.iter(qn("w:bookmarkStart"))
                                     if not b.get(qn("w:name")).startswith("Partie")))
        assert headings == [anchor for anchor, in_part in links if in_part == part]
    # the language each part declares: Arabic (ar-MA, right to left) and French
    for p in body.iter(qn("w:p")):
        if where[p] is None or not text_of(p).strip():
            continue
        lang = _style_value(styles, style_of(p), f"{qn('w:rPr')}/{qn('w:lang')}")
        if where[p] == "ar":
            assert (lang.get(qn("w:val")), lang.get(qn("w:bidi"))) == ("ar-MA", "ar-MA"), text_of(p)
            assert all(r.find(f"{qn('w:rPr')}/{qn('w:rtl')}") is not None
                       for r in p.iter(qn("w:r")) if ARABIC.search(text_of(r))), text_of(p)
        else:
            assert lang.get(qn("w:val")) == "fr-MA", text_of(p)
    props = document.core_properties
    joint = context.joint_title(revised)
    assert props.title == joint.title and props.subject == joint.subject
    for lang in Lang:
        edition = context.edition(revised, lang)
        assert edition.title in props.title and edition.territory in props.title and edition.periode in props.subject


# --- package: fonts, determinism, templates ----------------------------------------------------------


@pytest.mark.parametrize("name", ["fiche-fr", "fiche-ar", "plan-fr", "bilingue"])
def test_fonts_are_embedded_obfuscated(rendered, name) -> None:
    package = zipfile.ZipFile(io.BytesIO(rendered[name]))
    table = etree.fromstring(package.read("word/fontTable.xml"))
    rels = etree.fromstring(package.read("word/_rels/fontTable.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    italic = b"<w:i/>" in package.read("word/document.xml")
    tags = {"regular": "embedRegular", "bold": "embedBold", "italic": "embedItalic", "bolditalic": "embedBoldItalic"}
    langs = list(Lang) if name == "bilingue" else [Lang(name[-2:])]
    for family in (fonts.family(lang) for lang in langs):
        font = [f for f in table.iter(qn("w:font")) if f.get(qn("w:name")) == family][0]
        for face in fonts.faces(family):
            embed = font.find(qn(f"w:{tags[face.name]}"))
            if face.style == "italic" and not italic:
                assert embed is None  # no italic text, no italic face: half the weight
                continue
            part = package.read("word/" + targets[embed.get(qn("r:id"))])
            original = face.path.read_bytes()
            assert part[32:] == original[32:] and part[:32] != original[:32]
            assert ooxml.obfuscate_font(part, embed.get(qn("w:fontKey"))) == original  # XOR twice: the font again
    assert b'Extension="odttf"' in package.read("[Content_Types].xml")
    assert b"embedTrueTypeFonts" in package.read("word/settings.xml")


def test_same_sources_same_bytes(plan, draft, revised, rendered) -> None:
    renderer = DocxRenderer()
    assert renderer.bilingual(revised) == rendered["bilingue"]
    assert renderer.plan(plan, Lang.AR) == rendered["plan-ar"]
    assert renderer.plan(draft, Lang.FR) == rendered["draft-fr"]
    assert renderer.fiche(plan, plan.actions[0], Lang.FR) == rendered["fiche-fr"]
    package = zipfile.ZipFile(io.BytesIO(rendered["plan-fr"]))
    assert {i.date_time for i in package.infolist()} == {(2025, 3, 18, 0, 0, 0)}
    core = package.read("docProps/core.xml").decode()
    assert "2025-03-18T00:00:00Z" in core


def test_the_volume_made_from_the_editions_just_rendered_is_the_volume_made_alone(revised, rendered) -> None:
    """The build renders the editions' plans, then the volume from what they kept: the same bytes as a
    volume rendered alone; a renderer cleared, or given another plan, fills the editions anew."""
    renderer = DocxRenderer()
    editions = [renderer.plan(revised, lang) for lang in Lang]
    assert renderer.bilingual(revised) == rendered["bilingue"]
    changed = revised.model_copy(update={"version": revised.version.replace(day=19)})
    assert renderer.bilingual(changed) == DocxRenderer().bilingual(changed) != rendered["bilingue"]
    renderer.clear()
    assert renderer.bilingual(revised) == rendered["bilingue"]
    assert [renderer.plan(revised, lang) for lang in Lang] == editions


@pytest.mark.parametrize("name", ["plan.docx", "fiche.docx"])
@pytest.mark.parametrize("lang", list(Lang))
def test_template_contract_styles_lists_direction(lang, name) -> None:
    """What an office may change in a template is its look; what the renderer needs must stay."""
    document = docx.Document(resources.TEMPLATES / lang.value / name)
    styles = {s.style_id: s.name for s in document.styles}
    assert {k: styles.get(k, "").casefold() for k in STYLES} == {k: v.casefold() for k, v in STYLES.items()}
    numbering = document.part.numbering_part.element
    formats = {}
    for num in numbering.findall(qn("w:num")):
        abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
        abstract = numbering.xpath(f"w:abstractNum[@w:abstractNumId='{abstract_id}']")[0]
        formats[int(num.get(qn("w:numId")))] = abstract.xpath("w:lvl[@w:ilvl='0']/w:numFmt/@w:val", namespaces={"w": W_[1:-1]})[0]
    assert (formats[LIST_BULLETS], formats[LIST_NUMBERS], formats[CELL_BULLETS]) == ("bullet", "decimal", "bullet")
    body = document.element.body
    tables_rtl = [t.find(f"{qn('w:tblPr')}/{qn('w:bidiVisual')}") is not None for t in body.iter(qn("w:tbl"))]
    sections_rtl = [s._sectPr.find(qn("w:bidi")) is not None for s in document.sections]
    default_rtl = bool(document.styles.element.xpath("w:docDefaults/w:pPrDefault//w:bidi"))
    rtl = lang is Lang.AR
    assert tables_rtl and set(tables_rtl) == {rtl} and set(sections_rtl) == {rtl} and default_rtl == rtl


TAG = re.compile(r"\{[{%#]|[}%#]\}")


def test_every_tag_renders(rendered) -> None:
    """No tag survives a render, whatever the branch (validated, draft, bundle, changes), in any part."""
    for name, data in rendered.items():
        if name.startswith("hostile"):
            continue  # its content is made of tags, printed literally
        package = zipfile.ZipFile(io.BytesIO(data))
        for part in package.namelist():
            if part.endswith(".xml"):
                text = "".join(etree.fromstring(package.read(part)).itertext())
                assert not TAG.search(text), (name, part, TAG.search(text))


def test_every_output_is_a_valid_package(rendered) -> None:
    for name, data in rendered.items():
        package = zipfile.ZipFile(io.BytesIO(data))
        names = package.namelist()
        assert len(names) == len(set(names)), name
        types = etree.fromstring(package.read("[Content_Types].xml"))
        defaults = {d.get("Extension") for d in types if d.get("Extension")}
        overrides = {o.get("PartName").lstrip("/") for o in types if o.get("PartName")}
        for part in names:
            assert part in overrides or part.rsplit(".", 1)[-1] in defaults, (name, part)
        for rels_name in [n for n in names if n.endswith(".rels")]:
            folder = rels_name.replace("_rels/", "").removesuffix(".rels").rpartition("/")[0]
            for rel in etree.fromstring(package.read(rels_name)):
                if rel.get("TargetMode") != "External":
                    target = rel.get("Target").lstrip("/") if rel.get("Target").startswith("/") else \
                        "/".join(x for x in (folder, rel.get("Target")) if x)
                    assert target in names, (name, rels_name, rel.get("Target"))
        core = open_docx(data).core_properties
        assert core.title and core.last_modified_by == "publisher", name


# --- LibreOffice -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_libreoffice_converts_every_docx_with_the_embedded_fonts(converted) -> None:
    installed = subprocess.run(["fc-list"], capture_output=True, text=True).stdout.lower()
    assert "amiri" not in installed and "lato" not in installed, "the fonts must come from the DOCX, not the system"
    for name, path in converted.items():
        assert path.is_file() and path.stat().st_size > 1000, name
        families = ("Lato", "Amiri") if name == "bilingue" else ("Amiri",) if "-ar" in name else ("Lato",)
        used = pdffonts(path)
        assert used and all(n.startswith(families) and emb for n, emb, _, _ in used), (name, used)
        assert {n.split("-")[0] for n, *_ in used} == set(families), (name, used)


@pytest.mark.slow
def test_libreoffice_prints_each_fiche_page_on_the_bundle_cover(plan, rendered, converted) -> None:
    """Laid out by LibreOffice, the cover's page column gives the page each fiche starts on."""
    pages = pdftotext(converted["bundle-fr"]).split("\f")
    cover = pages[0].split()
    for code, _, _ in _cover_rows(rendered["bundle-fr"]):
        start = next(n for n, page in enumerate(pages, start=1) if f"{label('fiche_action', Lang.FR)} {code}" in page)
        row = " ".join(cover[cover.index(code):])
        roles = "|".join(re.escape(label(key, Lang.FR)) for key in ("role_pilote", "role_partenaire"))
        assert re.search(rf"({roles})\s+{start}\b", row), (code, start, row[:200])


@pytest.mark.slow
def test_libreoffice_shows_the_sommaire_and_keeps_the_arabic_order(plan, converted) -> None:
    for lang in Lang:
        page = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(converted[f"plan-{lang.value}"]), "-"],
                              capture_output=True, text=True, check=True).stdout
        entries = [BIDI.sub("", line) for line in page.splitlines() if label("canevas", lang) in line]
        # the TOC field's cached entry with its leader dots: LibreOffice shows the cached result as it is
        # (without page numbers, which the DOCX cannot know before it is laid out) until the index is updated
        assert entries and re.search(r"\.{3}", entries[0]), page[:600]
    text = squeeze(pdftotext(converted["plan-ar"]))
    assert squeeze(plan.priorites[0].intitule[Lang.AR]) in text
    assert in_order(text, [a.code for a in plan.actions]) == []
