"""The house style (assets/charte.toml) and a plan's override of it: both formats follow it."""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn

from publisher import charte, fonts
from publisher.build import Fingerprints, jobs
from publisher.check import check, load_checked
from publisher.errors import Severity
from publisher.i18n import label
from publisher.load import load
from publisher.model import Lang
from publisher.render.docx import DocxRenderer
from publisher.render import context
from publisher.render.pdf import TEMPLATES, PdfRenderer

from .conftest import PLANS
from .pdftools import reader

OVERRIDE = """\
# the province's own colour for titles, and a wider action column
[couleurs]
titres = "#aa1122"
filigrane = "#0a7f3c"    # the draft watermark's colour

[filigrane]
opacite = 0.3

[canevas.largeurs]
action = 30
"""


@pytest.fixture(scope="module")
def styled(tmp_path_factory) -> tuple:
    """The minimal plan with a charte.toml of its own, checked: (plan, its PDF, its DOCX), in French."""
    folder = tmp_path_factory.mktemp("charte") / "plan"
    shutil.copytree(PLANS / "minimal", folder)
    (folder / "charte.toml").write_text(OVERRIDE, encoding="utf-8")
    plan = load_checked(folder).plan
    return plan, PdfRenderer().plan(plan, Lang.FR), DocxRenderer().plan(plan, Lang.FR)


def test_the_house_charte_matches_the_engine() -> None:
    """The house's typefaces are the engine's, and its canevas columns those the templates print, in order."""
    house = charte.house()
    assert {lang: house.font(lang.value) for lang in Lang} == fonts.FAMILIES
    html = (TEMPLATES / "shared" / "plan.html").read_text(encoding="utf-8")
    assert re.findall(r'<col class="c-([a-z]+)">', html) == [key for key, _ in house.canevas_columns]
    assert sum(share for _, share in house.canevas_columns) == pytest.approx(100)
    css = (TEMPLATES / "shared" / "canevas.css").read_text(encoding="utf-8")
    assert all(f"var(--canevas-{key})" in css for key, _ in house.canevas_columns)


@pytest.mark.parametrize("lang", list(Lang))
def test_both_formats_print_the_fiche_rows_of_the_charte(lang) -> None:
    """The fiche action's rows, in the charte's order, in the PDF's HTML and in the DOCX."""
    plan = load_checked(PLANS / "minimal").plan
    expected = [label(key, lang) for key in plan.charte.fiche_rows]
    html = PdfRenderer().html(plan, lang, "fiche.html", a=context.action_view(plan, plan.actions[0], lang))
    table = html[html.index('class="fiche-table"'):]
    assert [html_lib.unescape(re.sub(r"<[^>]+>", "", th)).strip() for th in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)] == expected
    document = docx.Document(io.BytesIO(DocxRenderer().fiche(plan, plan.actions[0], lang)))
    fiche = next(t for t in document.tables if t._tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val")) == "Tableaufiche")
    assert [row.cells[0].text.strip() for row in fiche.rows] == expected


def test_a_plan_override_reaches_the_pdf(styled) -> None:
    """The plan's title colour is painted, and its action column is as wide as its share says."""
    plan, pdf, _ = styled
    streams = b"".join(page.get_contents().get_data() for page in reader(pdf).pages[:3])
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert re.search(rb"0\.66\d* 0\.066\d* 0\.133\d* rg", streams), "the title colour #aa1122 is not painted"
        page = next(p for p in document.pages if p.width > p.height)  # the canevas, landscape
        words = page.extract_words()
        x = {w["text"]: w["x0"] for w in words}
        first = label("actions", Lang.FR).split()[0]  # Moyens
        second = label("resultats_attendus", Lang.FR).split()[0]  # Résultats
        measured = x[second] - x[first]
    top, right, bottom, left = plan.charte.margins("paysage")
    share = dict(plan.charte.canevas_columns)["action"]
    assert share == pytest.approx(100 * 30 / 117)  # 30 of 117 once the other house widths are added
    expected = (297 - right - left) * share / 100 * 72 / 25.4
    assert measured == pytest.approx(expected, abs=2)


def test_a_plan_override_reaches_the_docx(styled) -> None:
    """The heading styles carry the plan's colour; the canevas grid gives the action column its share."""
    plan, _, data = styled
    document = docx.Document(io.BytesIO(data))
    heading = document.styles["heading 1"]
    assert str(heading.font.color.rgb) == "AA1122"
    assert heading.element.xpath("./w:pPr/w:pBdr/w:bottom/@w:color") == ["AA1122"]  # its rule too
    table = next(t for t in document.tables if t._tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val")) == "Tableaucanevas")
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    share = dict(plan.charte.canevas_columns)["action"]
    assert grid[1] == round(plan.charte.text_width("paysage") * share / 100 * 1440 / 25.4)
    assert grid[1] > 1.4 * grid[0]  # a wider column than the house's 13 against 11
    section = document.sections[0]
    assert round(section.top_margin.mm) == plan.charte.margins("portrait")[0]


def test_the_override_is_an_input_of_the_build(styled) -> None:
    """A plan's charte.toml changes the fingerprint of every output, and the manifest lists it."""
    plan, _, _ = styled
    house = plan.model_copy(update={"charte": charte.house()})
    job = next(j for j in jobs(plan) if j.kind == "fiche")
    assert Fingerprints(plan).of(job) != Fingerprints(house).of(job)
    from publisher.build import input_files
    assert "charte.toml" in input_files(plan) and "charte.toml" in input_files(house)  # looked for, present or not


def test_a_bad_override_is_located(tmp_path) -> None:
    """Every problem of a charte.toml at once, each an error at its line: an unknown key, a colour
    that is not #rrggbb, a width that is not a number (tests/plans/charte-couleur: the checker's case)."""
    folder = tmp_path / "plan"
    shutil.copytree(PLANS / "minimal", folder)
    (folder / "charte.toml").write_text(
        '# a province\n[couleurs]\ntitres = "#7a1f3d"\nrose = "#ff00aa"\nattenue = "gris"\n\n'
        '[canevas.largeurs]\naction = "large"\n\n[filigrane]\nopacite = 14\nmajuscules = "oui"\n', encoding="utf-8")
    result = check(load(folder))
    found = [(d.location.file, d.location.line, d.severity, d.rule) for d in result.diagnostics]
    assert found == [("charte.toml", 4, Severity.ERROR, "charte.cle"), ("charte.toml", 5, Severity.ERROR, "charte.couleur"),
                     ("charte.toml", 8, Severity.ERROR, "charte.valeur"), ("charte.toml", 11, Severity.ERROR, "charte.valeur"),
                     ("charte.toml", 12, Severity.ERROR, "charte.valeur")]
    assert "de 0 à 1" in result.diagnostics[3].message  # an opacity, not a percentage
    assert "« couleurs.rose »" in result.diagnostics[0].message and "« gris »" in result.diagnostics[1].message


def test_an_override_may_not_change_the_fonts(tmp_path) -> None:
    """A plan cannot swap the typefaces (the engine embeds its own) nor break the TOML syntax silently."""
    folder = tmp_path / "plan"
    shutil.copytree(PLANS / "minimal", folder)
    (folder / "charte.toml").write_text('[polices]\nfr = "Arial"\n', encoding="utf-8")
    assert [(d.location.line, d.rule) for d in check(load(folder)).diagnostics] == [(1, "charte.cle")]  # the [polices] table
    (folder / "charte.toml").write_text('[couleurs]\ntitres = \n', encoding="utf-8")
    [problem] = check(load(folder)).diagnostics
    assert (problem.location.file, problem.location.line, problem.rule) == ("charte.toml", 2, "charte.syntaxe")


def test_an_override_outside_the_plan_folder_is_never_read(tmp_path) -> None:
    """A charte.toml that is a link leading outside the plan folder: an error, and the house style."""
    folder = tmp_path / "plan"
    shutil.copytree(PLANS / "minimal", folder)
    (tmp_path / "elsewhere.toml").write_text('[couleurs]\ntitres = "#000000"\n', encoding="utf-8")
    (folder / "charte.toml").symlink_to(tmp_path / "elsewhere.toml")
    result = check(load(folder))
    assert [(d.location.file, d.rule) for d in result.diagnostics] == [("charte.toml", "fichier.hors_plan")]
    assert result.plan.charte == charte.house()


def test_the_watermark_follows_the_charte_in_both_formats(styled) -> None:
    """The draft watermark's colour and opacity come from the plan's charte.toml, in the PDF (the
    outlines behind the page) and in the DOCX (Word's watermark shape in every header)."""
    plan, pdf, data = styled
    assert plan.statut.value == "projet" and plan.charte.watermark.colour == "#0a7f3c"
    page = reader(pdf).pages[1]
    forms = [f.get_object() for f in page["/Resources"].get("/XObject", {}).values()]
    drawn = b"".join(f.get_data() for f in forms if f.get("/Subtype") == "/Form")
    assert re.search(rb"0\.0392\d* 0\.498\d* 0\.2352\d* rg", drawn), "the watermark colour #0a7f3c is not painted"
    assert b"0.705882 0.117647 0.117647 rg" not in drawn  # the house's #b41e1e is not
    alphas = [float(g.get_object().get("/ca", 1)) for form in forms
              for g in form.get("/Resources", {}).get("/ExtGState", {}).values()]
    assert 0.3 in alphas, alphas
    document = docx.Document(io.BytesIO(data))
    headers = [rel.target_part.element for rel in document.part.rels.values() if rel.reltype.endswith("/header")]
    shapes = [shape for header in headers for shape in header.xpath(".//*[local-name()='shape'][starts-with(@id, 'PowerPlusWaterMark')]")]
    assert shapes and len(shapes) == len(headers)  # one in every header, the fiches' continued pages' too
    assert {shape.get("fillcolor") for shape in shapes} == {"#0A7F3C"}
    assert {shape.xpath("./*[local-name()='fill']/@opacity")[0] for shape in shapes} == {"0.3"}
    assert len({shape.get("id") for shape in shapes}) == len(shapes)
