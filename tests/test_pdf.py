"""The PDF editions, read back: text in order, shaping, landscape canevas, bookmarks, fonts, safety."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest

from publisher.check import load_checked
from publisher.errors import RenderError
from publisher.markdown import parse as parse_markdown
from publisher.i18n import format_amount, label
from publisher.model import Lang
from publisher.render import context, pdf, watermark
from publisher.render.pdf import PdfRenderer, PlanFetcher

from .conftest import EXAMPLE, PLANS
from .pdftools import (PRESENTATION_FORMS, in_order, outline_titles, outline_tree, pdf_text, pdffonts, pdftotext, reader,
                       squeeze, structure, unmapped_glyphs)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by setup.sh --test")


@pytest.fixture(scope="module")
def plan(example_plan):
    return example_plan


@pytest.fixture(scope="module")
def rendered(plan, tmp_path_factory, example_documents):
    """The example plan's two PDF editions and the fiches of its first action, rendered once a session."""
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for lang in Lang:
        data = example_documents("pdf", "plan", lang)
        path = folder / f"plan-{lang.value}.pdf"
        path.write_bytes(data)
        fiche = example_documents("pdf", "fiche", lang, plan.actions[0].code)
        fpath = folder / f"fiche-{lang.value}.pdf"
        fpath.write_bytes(fiche)
        out[lang] = (data, path, fiche, fpath)
    return out


def canevas_rows(text: str, plan, lang: Lang) -> dict[str, str]:
    """The canevas part of a squeezed text, cut into one piece per action (from its code to the next)."""
    heading, after = squeeze(label("canevas", lang)), squeeze(label("synthese", lang))
    start = text.find(heading, text.find(heading) + 1)  # the first is the sommaire's entry
    end = text.find(after, start)
    canevas = text[start:end]
    rows, position = {}, 0
    codes = [a.code for a in plan.actions]
    for code, nxt in zip(codes, codes[1:] + [None]):
        begin = canevas.find(code, position)
        assert begin >= 0, f"{code} absent from the canevas, or out of order"
        stop = canevas.find(nxt, begin) if nxt else len(canevas)
        rows[code] = canevas[begin:stop]
        position = begin + len(code)
    return rows


@pytest.mark.parametrize("lang", list(Lang))
def test_every_action_code_title_and_budget_in_order(plan, rendered, lang) -> None:
    _, path, _, _ = rendered[lang]
    text = squeeze(pdftotext(path))
    rows = canevas_rows(text, plan, lang)
    canevas = "".join(rows.values())
    for action in plan.actions:
        assert squeeze(action.intitule[lang]) in rows[action.code]
        assert squeeze(format_amount(action.budget.montant, lang)) in canevas
    # The annexes repeat every action in order, one fiche each, with its budget.
    annexes = text[text.rfind(squeeze(label("annexes", lang))):]
    fiches = [squeeze(f"{label('fiche_action', lang)}{a.code}") for a in plan.actions]
    assert in_order(annexes, fiches) == []
    for action, start, end in zip(plan.actions, fiches, fiches[1:] + [squeeze(label("historique", lang))]):
        fiche = annexes[annexes.find(start):annexes.find(end)]
        assert squeeze(format_amount(action.budget.montant, lang)) in fiche
        assert squeeze(action.intitule[lang]) in fiche
    # The totals of the model: per objectif général, per priority and for the plan.
    for og in plan.objectifs_generaux:
        assert squeeze(format_amount(og.budget_total, lang)) in canevas
    for prio in plan.priorites:
        assert squeeze(format_amount(prio.budget_total, lang)) in text
    assert squeeze(format_amount(plan.budget_total, lang)) in text


def arabic_sources(plan) -> list[str]:
    """Every Arabic title, heading and table cell of the plan, as written in its sources."""
    texts = [plan.province.ar, *(s["ar"].splitlines()[0].lstrip("# ") for s in plan.sections)]
    texts += [line.lstrip("# ") for s in plan.sections for line in s["ar"].splitlines() if line.startswith("#")]
    for prio in plan.priorites:
        texts.append(prio.intitule.ar)
    for og in plan.objectifs_generaux:
        texts.append(og.intitule.ar)
    for os_ in plan.objectifs_specifiques:
        texts.append(os_.intitule.ar)
    for action in plan.actions:
        texts += [action.intitule.ar, *(r.ar for r in action.resultats_attendus), *(i.ar for i in action.indicateurs)]
        texts += [r.ar for r in (*action.ressources.humaines, *action.ressources.materielles)]
        texts += [t.ar for t in (action.suivi, action.budget.source) if t is not None]
    texts += [r.objet.ar for r in plan.revisions]
    return [t for t in texts if t]


def letters(text: str) -> str:
    """The letters of a text, in order: what a lost or doubled glyph mapping changes, whatever the layout."""
    return "".join(char for char in text if char.isalpha())


def test_arabic_text_layer_is_exact_letter_for_letter(plan, rendered) -> None:
    """WeasyPrint #2841 (a glyph shared by several clusters): copy and search read what the sources say.

    Each title, heading and cell is looked for whole; pdftotext may set the digits of an Arabic line
    apart or interleave the lines of a wrapped cell with its neighbours', so a text not found whole is
    looked for word by word, each word letter for letter.
    """
    _, path, _, _ = rendered[Lang.AR]
    extracted = pdftotext(path)
    text = letters(extracted)
    sources = arabic_sources(plan)
    assert len(sources) > 100
    missing = [word for source in sources if letters(source) not in text
               for word in source.split() if letters(word) not in text]
    assert missing == []
    assert "\u200d" not in extracted  # the joiners of the glyphs without a letter of their own stay under ActualText
    annexes = squeeze(extracted)[squeeze(extracted).rfind(squeeze(label("annexes", Lang.AR))):]
    assert all(squeeze(a.intitule.ar) in annexes for a in plan.actions)  # the bold titles of the fiches


@pytest.mark.parametrize("lang", list(Lang))
def test_every_glyph_maps_to_text(rendered, lang) -> None:
    data, _, fiche, _ = rendered[lang]
    assert unmapped_glyphs(data) == 0
    assert unmapped_glyphs(fiche) == 0


def test_arabic_is_logical_order_and_shaped(plan, rendered) -> None:
    _, path, _, _ = rendered[Lang.AR]
    text = pdftotext(path)
    assert not PRESENTATION_FORMS.search(text)
    # Words come out in reading order (logical), not reversed.
    assert squeeze("مخطط العمل الإقليمي لحماية الطفولة") in squeeze(text)
    assert squeeze(plan.priorites[0].intitule.ar) in squeeze(text)


@pytest.mark.parametrize("lang", list(Lang))
def test_canevas_pages_are_landscape_and_others_portrait(plan, rendered, lang) -> None:
    data, path, _, _ = rendered[lang]
    pages = reader(data).pages
    first_action = squeeze(plan.actions[0].intitule[lang])
    orientations = []
    for number, page in enumerate(pages, start=1):
        text = squeeze(pdftotext(path, number, number))
        landscape = float(page.mediabox.width) > float(page.mediabox.height)
        orientations.append(landscape)
        if number == 1 or squeeze(plan.sections[0][lang][:20]) in text:
            assert not landscape
        if first_action in text and plan.actions[0].code in text and not landscape:
            # The only portrait pages naming the first action are the summary and its fiche.
            assert squeeze(pdftotext(path, number, number)).count(plan.actions[0].code) >= 1
    assert any(orientations) and not all(orientations)
    canevas_pages = [n for n, land in enumerate(orientations, start=1) if land]
    assert canevas_pages == list(range(canevas_pages[0], canevas_pages[-1] + 1))  # one landscape run


@pytest.mark.parametrize("lang", list(Lang))
def test_bookmarks_match_headings(plan, rendered, lang) -> None:
    data, _, _, _ = rendered[lang]
    titles = [squeeze(t) for t in outline_titles(data)]
    for section in plan.sections:
        heading = section[lang].splitlines()[0].lstrip("# ")
        assert squeeze(heading) in titles
    for prio in plan.priorites:
        assert any(prio.code in t and squeeze(prio.intitule[lang]) in t for t in titles)
    for action in plan.actions:
        assert any(action.code in t for t in titles)


@pytest.mark.parametrize("lang", list(Lang))
def test_bookmarks_nest_as_the_headings_do(plan, rendered, lang) -> None:
    """Each objectif général is a part laid out alone, yet its bookmark sits under its priority's, each
    priority's under the canevas', in order; the fiches, parts of their own too, folded under the annexes'."""
    tree = outline_tree(rendered[lang][0])
    by_title = {squeeze(title): (folded, children) for title, folded, children in tree}
    folded, priorities = by_title[squeeze(label("canevas", lang))]
    assert not folded and len(priorities) == len(plan.priorites)
    for (title, folded, objectives), priority in zip(priorities, plan.priorites):
        assert priority.code in title and not folded
        assert len(objectives) == len(priority.objectifs_generaux) > 0
        assert all(og.code in og_title for (og_title, _, _), og in zip(objectives, priority.objectifs_generaux))
    folded, fiches = by_title[squeeze(label("annexes", lang))]
    assert folded and len(fiches) == len(plan.actions)
    assert all(action.code in title for (title, _, _), action in zip(fiches, plan.actions))


@pytest.mark.parametrize("lang", list(Lang))
def test_the_actions_by_echeance_open_a_page(rendered, lang) -> None:
    """The actions by échéance, a part of their own (they print no budget: a budget changed leaves them),
    open the page after the budgets' summary, as in the DOCX."""
    pages = [squeeze(page) for page in pdftotext(rendered[lang][1]).split("\f")]
    heading, volet, sommaire = (squeeze(label(key, lang)) for key in ("par_echeance", "par_volet", "sommaire"))
    found = [n for n, text in enumerate(pages) if heading in text and sommaire not in text]
    assert found and volet not in pages[found[0]] and volet in pages[found[0] - 1]


@pytest.mark.parametrize("lang", list(Lang))
def test_fonts_are_the_chosen_families_embedded(rendered, lang) -> None:
    _, path, _, fpath = rendered[lang]
    for file in (path, fpath):
        fonts = pdffonts(file)
        families = {name.split("-")[0] for name, *_ in fonts}
        expected = {"Amiri"} if lang is Lang.AR else {"Lato"}
        assert families == expected
        assert all(emb and sub and uni for _, emb, sub, uni in fonts)


def footer_words(path: Path, number: int) -> list[tuple[str, float]]:
    """The words of a page's footer with their left x, as drawn (pdfplumber gives visual order)."""
    with pdfplumber.open(path) as document:
        page = document.pages[number - 1]
        words = page.extract_words()
        return [(w["text"], w["x0"]) for w in words if w["top"] > page.height - 50]


@pytest.mark.parametrize("lang", list(Lang))
def test_footer_reads_version_and_page_n_of_m(plan, rendered, lang) -> None:
    data, path, _, _ = rendered[lang]
    pages = len(reader(data).pages)
    page2 = pdftotext(path, 2, 2)
    x = dict(footer_words(path, 2))
    if lang is Lang.FR:
        assert f"Version du 18 mars 2025 — page 2 / {pages}" in page2
        assert x["2"] < x[str(pages)]  # left to right: "page 2 / 45"
    else:
        for word in ("نسخة", "بتاريخ", "مارس", "صفحة", "من"):
            assert word in squeeze(page2)
        assert x["2"] > x[str(pages)]  # right to left: "صفحة 2 من 45", 2 on the right of 45
        assert x["2025"] > x["2"]  # the version date comes first, on the right


@pytest.mark.parametrize("lang", list(Lang))
def test_metadata(plan, rendered, lang) -> None:
    data, _, _, _ = rendered[lang]
    meta = reader(data).metadata
    assert meta.title.endswith("Assafa") or meta.title.endswith("أسافة")
    assert ("CAPE" in meta.author) or ("مركز مواكبة حماية الطفولة" in meta.author)
    assert meta["/CreationDate"].startswith("D:20250318") and meta["/ModDate"].startswith("D:20250318")
    assert reader(data).trailer["/Root"]["/Lang"] == lang.value


def big_letters(path: Path) -> list[str]:
    """Per page, the letters drawn larger than 60 pt, sorted: none, the watermark being outlines."""
    with pdfplumber.open(path) as document:
        return ["".join(sorted(c["text"] for c in page.chars if c["size"] > 60)) for page in document.pages]


WATERMARK_FILL = b"0.705882 0.117647 0.117647 rg"  # #b41e1e, the house charte's couleurs.filigrane (as the DOCX's)


def watermarked_pages(data: bytes) -> list[bool]:
    """Per page, whether the watermark is drawn: a form in the watermark's colour, drawn as an /Artifact."""
    marks = []
    for page in reader(data).pages:
        content = page.get_contents().get_data()
        forms = page["/Resources"].get("/XObject", {})
        drawn = False
        for artifact in re.findall(rb"/Artifact\s+BMC(.*?)EMC", content, re.S):
            for name in re.findall(rb"/(\w+) Do", artifact):
                form = forms.get("/" + name.decode())
                drawn = drawn or (form is not None and WATERMARK_FILL in form.get_object().get_data())
        marks.append(drawn)
    return marks


def test_validated_plan_has_signature_blocks_and_no_watermark(plan, rendered) -> None:
    data, path, _, _ = rendered[Lang.FR]
    text = pdftotext(path)
    for signataire in plan.validation.signataires:
        assert squeeze(signataire.nom.fr) in squeeze(text)
        assert squeeze(signataire.qualite.fr) in squeeze(text)
    assert "Validé par le CPPE le 2 avril 2025" in text
    assert "Fait à Assafa, le 2 avril 2025" in text and "Cachet" in text  # where and when, the room for the seal
    assert set(big_letters(path)) == {""}
    assert not any(watermarked_pages(data))


@pytest.mark.parametrize("lang", list(Lang))
def test_draft_has_watermark_on_every_page_never_as_text(tmp_path, lang) -> None:
    plan = load_checked(PLANS / "minimal").plan
    data = PdfRenderer().plan(plan, lang)
    path = tmp_path / "draft.pdf"
    path.write_bytes(data)
    marks = watermarked_pages(data)
    assert len(marks) > 3 and all(marks)
    assert set(big_letters(path)) == {""}
    assert squeeze(pdftotext(path)).count(watermark.text(lang, plan.charte.watermark)) < len(marks)  # at most the cover's statut


def test_same_sources_same_bytes(plan) -> None:
    again = load_checked(EXAMPLE).plan
    first = PdfRenderer().fiche(plan, plan.actions[1], Lang.AR)
    assert first == PdfRenderer().fiche(again, again.actions[1], Lang.AR)


def _hostile_plan(tmp_path: Path) -> Path:
    folder = tmp_path / "hostile"
    shutil.copytree(PLANS / "minimal", folder)
    plan_yaml = folder / "plan.yaml"
    text = plan_yaml.read_text()
    text = text.replace(
        'contexte: {fr: "Les signalements sont **rares**.", ar: "التبليغات **نادرة**."}',
        'contexte: {fr: "<img src=\\"file:///etc/passwd\\"> {{ 7*7 }} {% raw %} & <b>x</b>", ar: "التبليغات <i>نادرة</i>."}',
    )
    plan_yaml.write_text(text)
    (folder / "fr" / "contexte.md").write_text(
        "# Contexte\n\n<iframe src=\"https://example.org\"></iframe>\n\nTexte {{ config }} et <script>x()</script>.\n"
    )
    return folder


def test_hostile_content_is_printed_literally_and_nothing_outside_is_read(tmp_path, monkeypatch) -> None:
    plan = load_checked(_hostile_plan(tmp_path)).plan
    fetched = []
    original = PlanFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(PlanFetcher, "fetch", spy)
    pdf._stylesheets.cache_clear()  # so that the fonts too are fetched again, through the spy
    pdf._font_config.cache_clear()
    data = PdfRenderer().plan(plan, Lang.FR)
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    text = pdftotext(path)
    assert '<img src="file:///etc/passwd">' in text
    assert "{{ 7*7 }}" in text and "{% raw %} & <b>x</b>" in text
    assert "{{ config }}" in text and "<script>x()</script>" in text
    assert '<iframe src="https://example.org"></iframe>' in text
    allowed = tuple(str(d) for d in (pdf.TEMPLATES, *pdf.fonts.font_dirs()))
    generated = f"file://{pdf.GENERATED_PATH}"  # made in memory by the renderer: the draft watermark
    assert fetched and all(url.startswith("file://") and any(a in url for a in allowed) or url.startswith(generated)
                           for url in fetched)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.org/x.png", "https://example.org/",
                                 "data:image/png;base64,AAAA", "file:///plan/../etc/passwd",
                                 "file:///publisher/../etc/passwd", "file:///publisher/absent.svg"])
def test_fetcher_refuses_everything_outside(url) -> None:
    fetcher = PlanFetcher((pdf.TEMPLATES,), {"assets/logo.png": b"png"})
    with pytest.raises(BaseException) as info:
        fetcher.fetch(url)
    assert "refusée" in str(info.value)


def test_fetcher_serves_checked_assets() -> None:
    fetcher = PlanFetcher((pdf.TEMPLATES,), {"assets/logo.png": b"png"})
    assert fetcher.fetch("file:///plan/assets/logo.png").read() == b"png"


def test_remote_images_and_scripts_links_never_reach_the_renderer(tmp_path) -> None:
    folder = tmp_path / "remote"
    shutil.copytree(PLANS / "minimal", folder)
    (folder / "fr" / "contexte.md").write_text("# Contexte\n\n![x](http://example.org/x.png) [y](javascript:alert(1))\n")
    from publisher.errors import PlanError

    with pytest.raises(PlanError) as info:
        load_checked(folder)
    assert {d.rule for d in info.value.diagnostics} == {"markdown.image", "markdown.lien"}


def test_a_refused_resource_stops_the_render() -> None:
    plan = load_checked(PLANS / "minimal").plan
    # A logo that the checker did not vouch for is not among the plan's assets: the fetcher refuses it.
    plan = plan.model_copy(update={"logos": ["assets/absent.png"]})
    with pytest.raises(RenderError):
        PdfRenderer().plan(plan, Lang.FR)


def test_spaced_numbers_keep_their_order_in_arabic(rendered) -> None:
    """"0800 00 47 47" inside Arabic text reads left to right, not group by group backwards."""
    data, _, _, _ = rendered[Lang.AR]
    with pdfplumber.open(BytesIO(data)) as document:
        for page in document.pages:
            words = [(w["text"], w["x0"]) for w in page.extract_words()]
            start = next((i for i, (text, _) in enumerate(words) if text.endswith("0800")), None)
            if start is not None:
                groups = words[start:start + 4]
                assert [text.strip("،") for text, _ in groups] == ["0800", "00", "47", "47"]
                assert [x for _, x in groups] == sorted(x for _, x in groups)
                return
    pytest.fail("the toll-free number of gouvernance.md is not in the Arabic edition")


@pytest.mark.parametrize("lang", list(Lang))
def test_fiche_alone_names_its_priority_and_objectives(plan, rendered, lang) -> None:
    _, _, _, fpath = rendered[lang]
    text = squeeze(pdftotext(fpath))
    action = plan.actions[0]
    prio, og, os_ = plan.priorites[0], plan.objectifs_generaux[0], plan.objectifs_specifiques[0]
    assert action in os_.actions
    for code in (action.code, prio.code, og.code, os_.code):
        assert code in text
    assert squeeze(os_.intitule[lang])[:20] in text


# --- PDF/UA-1 (ISO 14289-1), asserted on the structure itself, as veraPDF's ua1 profile checks it --------


@pytest.fixture(scope="module")
def bilingual():
    """The bilingual volume of the minimal plan (a draft: French part, then Arabic part)."""
    plan = load_checked(PLANS / "minimal").plan
    renderer = PdfRenderer()
    return renderer.bilingual(plan), len(reader(renderer.plan(plan, Lang.FR)).pages)


def documents(rendered, bilingual):
    """Every PDF rendered by this module: the plans, the fiches and the bilingual volume."""
    return [data for lang in Lang for data in (rendered[lang][0], rendered[lang][2])] + [bilingual[0]]


@pytest.fixture(scope="module")
def trees(rendered, bilingual):
    """The structure elements of every document, read once."""
    return [structure(data) for data in documents(rendered, bilingual)]


def test_xmp_declares_pdfua_1_and_pdfa_3a(rendered, bilingual) -> None:
    for data in documents(rendered, bilingual):
        xmp = reader(data).trailer["/Root"]["/Metadata"].get_data()
        assert b"<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="A"' in xmp
        assert b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp  # the extension schema PDF/A asks for


def kids(element) -> list:
    """The structure elements among the kids of a structure element."""
    found = element.get("/K", [])
    found = [k.get_object() if hasattr(k, "get_object") else k for k in (found if isinstance(found, list) else [found])]
    return [k for k in found if isinstance(k, dict) and "/S" in k]


def column_counts(table) -> list[int]:
    """The number of columns each row of a table element spans, cells spanning rows included."""
    rows = [r for kid in kids(table) for r in ([kid] if kid["/S"] == "/TR" else kids(kid))]
    counts, carry = [], []
    for row in rows:
        carry = [n - 1 for n in carry if n > 1]
        spans = [(int(c.get("/A", {}).get("/ColSpan", 1)), int(c.get("/A", {}).get("/RowSpan", 1))) for c in kids(row)]
        counts.append(len(carry) + sum(columns for columns, _ in spans))
        carry += [rows_spanned for columns, rows_spanned in spans for _ in range(columns)]
    return counts


def test_table_headers_have_a_scope_and_rows_the_same_columns(trees) -> None:
    for tree in trees:
        elements = [e for e, _ in tree]
        headers = [e for e in elements if e["/S"] == "/TH"]
        assert headers and all(e["/A"]["/Scope"] in ("/Row", "/Column") for e in headers)
        tables = [e for e in elements if e["/S"] == "/Table"]
        assert tables and all(len(set(column_counts(table))) == 1 for table in tables)


def test_list_items_hold_only_labels_and_bodies(trees) -> None:
    for elements in trees:
        items = [e for e, _ in elements if e["/S"] == "/LI"]
        assert items
        for item, parent in ((e, p) for e, p in elements if p is not None and p["/S"] == "/LI"):
            assert item["/S"] in ("/Lbl", "/LBody")


def test_headings_start_at_h1_and_skip_no_level(trees) -> None:
    for tree in trees:
        levels = [int(e["/S"][2]) for e, _ in tree if e["/S"] in {f"/H{n}" for n in range(1, 7)}]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_links_are_link_elements(rendered, bilingual) -> None:
    links = 0
    for data in documents(rendered, bilingual):
        pdf = reader(data)
        nums = pdf.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
        parents = {nums[i]: nums[i + 1].get_object() for i in range(0, len(nums), 2)}
        annotations = [a.get_object() for page in pdf.pages for a in page.get("/Annots", [])]
        for link in (a for a in annotations if a["/Subtype"] == "/Link"):
            assert parents[link["/StructParent"]]["/S"] == "/Link"
            links += 1
    assert links > 10  # the sommaires, and the links of the narrative sections


def test_markdown_headings_skip_no_level() -> None:
    blocks = parse_markdown("# Un\n\n### Trois\n\n- item\n\n#### Quatre\n").blocks
    assert re.findall(r"<h(\d)>", str(pdf.blocks_html(blocks, 2))) == ["2", "3", "4"]


def test_language_and_reading_direction_of_each_part(rendered, bilingual) -> None:
    for lang in Lang:
        root = reader(rendered[lang][0]).trailer["/Root"]
        assert root["/Lang"] == lang.value
        assert root["/ViewerPreferences"]["/Direction"] == ("/R2L" if lang is Lang.AR else "/L2R")
    data, french_pages = bilingual
    pdf = reader(data)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "fr" and root["/ViewerPreferences"]["/Direction"] == "/L2R"  # the volume starts in French
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(pdf.pages)}
    document = root["/StructTreeRoot"]["/K"][0].get_object()
    parts = [kid.get_object() for kid in document["/K"]]
    assert [part["/S"] for part in parts] == ["/Part"] * len(parts)
    langs = []
    for part in parts:  # after the joint title page and its verso, the French edition's pages, then the Arabic's
        expected = "fr" if pages[first_page(part)] < 2 + french_pages else "ar"
        assert part["/Lang"] == expected
        langs.append(expected)
        assert all(element.get("/Lang", expected) == expected for element, _ in walk(part))
    assert "ar" in langs


def first_page(element):
    """The object number of the first page an element's content is on (None for an empty element)."""
    if "/Pg" in element:
        return element.raw_get("/Pg").idnum
    return next((found for found in map(first_page, kids(element)) if found is not None), None)


def walk(element):
    """The structure elements under ``element``, depth first, with their parents."""
    for kid in kids(element):
        yield kid, element
        yield from walk(kid)


# --- the bilingual volume (issue 13, item 7) ------------------------------------------------------------


def test_bilingual_volume_numbers_pages_through_and_starts_arabic_on_a_right_hand_page(bilingual, tmp_path):
    data, french_pages = bilingual
    path = tmp_path / "volume.pdf"
    path.write_bytes(data)
    total = len(reader(data).pages)
    texts = pdftotext(path).split("\f")[:total]
    assert squeeze(label("page_sur", Lang.FR).format(page=1, pages=total)) not in squeeze(texts[0])  # the joint title
    assert all(title in squeeze(texts[0]) for title in (squeeze(label("titre", lang)) for lang in Lang))
    # the scheme of context.JointTitle, as the DOCX's: the title page, its blank verso (with its footer), the
    # French part from page 3, the Arabic part on the next odd page (after a blank verso if needed)
    before = 2 + french_pages
    arabic_cover = before + before % 2 + 1
    for number, text in enumerate(texts[1:], start=2):  # the two covers have no footer
        if number in (3, arabic_cover):
            continue
        words = label("page_sur", Lang.FR if number < arabic_cover else Lang.AR)
        assert squeeze(words.format(page=number, pages=total)) in squeeze(text), (number, text[-80:])
    assert arabic_cover % 2 == 1
    assert squeeze(label("titre", Lang.AR)) in squeeze(texts[arabic_cover - 1])
    assert squeeze(label("royaume", Lang.FR)) in squeeze(texts[2])  # the French cover on page 3
    assert len(texts[1].split()) < 12  # page 2: blank but for its footer (the version, "page 2 / N")


def test_bilingual_links_stay_in_their_edition_and_bookmarks_nest_per_language(bilingual):
    data, french_pages = bilingual
    pdf = reader(data)
    dests = pdf.named_destinations
    links = []
    for n, page in enumerate(pdf.pages):
        for annotation in (a.get_object() for a in page.get("/Annots", [])):
            if annotation["/Subtype"] == "/Link" and "/Dest" in annotation:
                links.append((n, pdf.get_destination_page_number(dests[annotation["/Dest"]])))
    boundary = 2 + french_pages
    assert any(n >= boundary for n, _ in links) and any(n < boundary for n, _ in links)
    assert all((n < boundary) == (target < boundary) for n, target in links), links
    outline = pdf.outline
    tops = [item for item in outline if not isinstance(item, list)]
    assert [item.title for item in tops] == [label("edition_langue", lang) for lang in Lang]
    assert all(isinstance(item, list) and item for item in outline[1::2])  # each language's bookmarks under it
    info = pdf.metadata
    assert squeeze(label("titre", Lang.FR)) in squeeze(info.title) and squeeze(label("titre", Lang.AR)) in squeeze(info.title)
    xmp = pdf.trailer["/Root"]["/Metadata"].get_data().decode()
    assert 'xml:lang="fr"' in xmp and 'xml:lang="ar"' in xmp and label("titre", Lang.AR) in xmp


def test_the_volume_nests_each_edition_s_bookmarks_as_its_plan_does(example_documents) -> None:
    """Under each edition's bookmark, its plan document's own outline, nested alike (the example plan: its
    priorities have several objectifs généraux, each a part laid out alone)."""
    volume = outline_tree(example_documents("pdf", "bilingual"))
    assert [title for title, _, _ in volume] == [label("edition_langue", lang) for lang in Lang]
    assert [children for _, _, children in volume] == [outline_tree(example_documents("pdf", "plan", lang)) for lang in Lang]


def test_volume_is_deterministic(bilingual):
    plan = load_checked(PLANS / "minimal").plan
    assert PdfRenderer().bilingual(plan) == bilingual[0]


# --- what is printed: typography, units, totals (decided in i18n and render/context) -------------------

NBSP, NNBSP = "\u00a0", "\u202f"


def test_french_typography_units_and_totals(plan, rendered) -> None:
    data, _, fiche, _ = rendered[Lang.FR]
    edition = context.edition(plan, Lang.FR)
    text = pdf_text(data)
    assert f"Période concernée{NBSP}: 2025\u20132027" in text
    assert f"«{NNBSP}comment{NNBSP}»" in text and f"(33,8{NNBSP}%)" in text and "2023\u20132024" in text
    assert not re.search(r"\S [:;!?»]|« ", text)  # never an ordinary (breaking) space there
    for priorite in edition.priorites:
        assert f"Priorité {priorite.code}{NBSP}: " in text and priorite.total_label in text
        assert all(og.total_label in text for og in priorite.objectifs)
    assert "Budget (MAD)" in text and edition.total_line in text and edition.total_line.endswith(f"{NBSP}MAD")
    # every summary table ends with its totals row
    synthese = text[text.rindex(label("par_priorite", Lang.FR)):]
    total = f"Total {len(plan.actions)} {edition.total}"
    assert in_order(synthese, [total, label("par_volet", Lang.FR), total, label("par_echeance", Lang.FR),
                               f"Total {len(plan.actions)} actions"]) == []
    # a zero budget: "0" in the canevas column, "0 MAD" in the fiche, the same number
    zero = next(a for a in edition.actions if a.budget == "0")
    annexe = text[text.index(f"Fiche action {zero.code}"):]
    assert annexe[:annexe.index("Fiche action", 20)].count(f"0{NBSP}MAD") == 1
    assert edition.actions[0].budget_text in pdf_text(fiche)


def test_arabic_numbers_punctuation_and_totals(plan, rendered) -> None:
    data, path, _, fpath = rendered[Lang.AR]
    edition = context.edition(plan, Lang.AR)
    logical = pdf_text(data)  # pypdf keeps "P1: " whole, where pdftotext moves the colon into the Latin run
    assert f"{edition.priorites[0].code}: " in logical and not re.search(r"P\d :", logical)  # as the DOCX prints it
    text = pdftotext(path)
    flat = squeeze(text)
    for priorite in edition.priorites:
        assert squeeze(priorite.total_label) in flat
        assert all(squeeze(og.total_label) in flat for og in priorite.objectifs)
    assert "المجموعالهدف" not in flat and "المجموعالأولوية" not in flat  # «مجموع الهدف العام», not «المجموع الهدف»
    assert squeeze(label("plan_total", Lang.AR)) in flat and squeeze(label("budget_colonne", Lang.AR)) in flat
    # one number format: Babel's ar_MA (Latin digits, 1.250.000,50), the writers' numbers included
    assert "139.300" in text and "3.957.500,50" in text
    assert not re.search(r"\d \d{3}(?!\d)", text)
    assert squeeze(edition.actions[0].budget_text) in squeeze(pdftotext(fpath))


def test_arabic_letters_are_not_spaced(rendered) -> None:
    """CSS letter-spacing pulls the letters of an Arabic word apart: the cover's first line is set
    with letter-spacing in French, none in Arabic, where joined letters touch."""
    data = rendered[Lang.AR][0]
    with pdfplumber.open(BytesIO(data)) as document:
        page = document.pages[0]
        top = page.extract_words()[0]["top"]
        line = sorted((c for c in page.chars if abs(c["top"] - top) < 2), key=lambda c: c["x0"])
    gaps = sorted(b["x0"] - a["x1"] for a, b in zip(line, line[1:]) if a["text"].strip() and b["text"].strip())
    assert len(gaps) > 8 and gaps[len(gaps) // 2] < 0.1


# --- acteur bundles (issue 13, item 8) ------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
def test_bundle_numbers_pages_through_and_its_cover_gives_each_fiche_its_page_and_role(plan, lang, tmp_path):
    acteur = "cape"
    actions = plan.actions_of(acteur)[:3]
    data = PdfRenderer().bundle(plan, acteur, lang)
    path = tmp_path / "bundle.pdf"
    path.write_bytes(data)
    total = len(reader(data).pages)
    texts = pdftotext(path).split("\f")[:total]
    for number, text in enumerate(texts, start=1):
        assert squeeze(label("page_sur", lang).format(page=number, pages=total)) in squeeze(text)
    starts = {}
    for number, text in enumerate(texts[1:], start=2):
        for action in plan.actions_of(acteur):
            if action.code not in starts and squeeze(f"{label('fiche_action', lang)}{action.code}") in squeeze(text):
                starts[action.code] = number
    assert list(starts) == [a.code for a in plan.actions_of(acteur)]
    # the cover: a table as the DOCX's (code, action, échéance, role, page), read from its ruling lines
    with pdfplumber.open(path) as document:
        cover_pages = document.pages[:min(starts.values()) - 1]  # the cover may run onto a second page
        heading = squeeze(label("code", lang))
        rows = [[squeeze(cell or "") for cell in row] for page in cover_pages for row in page.extract_table()
                if not {squeeze(row[0] or ""), squeeze(row[-1] or "")} & {heading, heading[::-1]}]  # header rows
    entries = context.bundle_entries(plan, acteur, lang)
    assert {entry.role for entry in entries} >= {label("role_pilote", lang), label("role_partenaire", lang)}
    body = {row[0]: row for row in rows} if lang is Lang.FR else {row[-1]: row[::-1] for row in rows}
    assert list(body) == [entry.code for entry in entries]
    for entry in entries:
        row, role = body[entry.code], squeeze(entry.role)
        assert role in (row[3], row[3][::-1]), (entry.code, row)
        assert row[4] == str(starts[entry.code]), (entry.code, row)


def test_the_glyphs_a_subset_holds_are_read_as_fonttools_reads_them(rendered) -> None:
    """The shared subset of a face holds every glyph of the parts' subsets: each part's glyphs are read from
    its ``loca`` and ``hmtx`` tables, compared here with fontTools' reading of the same tables, on the
    embedded subsets of both editions (short offsets) and on the full fonts."""
    import pikepdf
    from fontTools.ttLib import TTFont

    from publisher import fonts
    from publisher.render import assemble

    programs = [face.path.read_bytes() for family in dict.fromkeys(fonts.FAMILIES.values()) for face in fonts.faces(family)]
    for lang in Lang:
        with pikepdf.open(BytesIO(rendered[lang][2])) as document:  # a fiche: its own subsets, not yet shared
            programs += [obj.FontFile2.read_bytes() for obj in document.objects
                         if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"]
    for program in programs:
        font = TTFont(BytesIO(program))
        offsets, metrics = font["loca"], font["hmtx"].metrics
        expected = {0} | {gid for gid, name in enumerate(font.getGlyphOrder())
                          if offsets[gid + 1] > offsets[gid] or metrics[name][0] > 0}
        face, glyphs = assemble._face_and_glyphs.__wrapped__(program)
        assert face == font["name"].getDebugName(6)
        assert glyphs == expected
        assert 1 < len(glyphs)


def test_an_assembled_plan_embeds_each_face_once(rendered) -> None:
    """The parts' subsets of a face are replaced by one (each fiche part brought its own)."""
    import pikepdf

    for lang in Lang:
        with pikepdf.open(BytesIO(rendered[lang][0])) as document:
            descriptors = [obj for obj in document.objects
                           if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"]
            programs = {d.FontFile2.objgen for d in descriptors}
            assert len(descriptors) > 2 * len(programs) and len(programs) <= 4  # regular, bold, italic...
