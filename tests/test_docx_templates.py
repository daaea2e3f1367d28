"""The DOCX templates are sources an office edits: a template saved again by a word processor
(LibreOffice here; Word rewrites runs, style ids and breaks the same way) publishes the same content."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree

from publisher import fonts, resources
from publisher.model import Lang
from publisher.render.docx import CELL_BULLETS, LIST_BULLETS, DocxRenderer

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def plan(example_plan):
    return example_plan


def _copy_templates(folder):
    shutil.copytree(resources.TEMPLATES, folder, ignore=shutil.ignore_patterns("*.html", "shared"))
    return folder


def _documents(renderer: DocxRenderer, plan) -> dict[str, bytes]:
    out = {}
    for lang in Lang:
        out[f"plan-{lang.value}"] = renderer.plan(plan, lang)
        out[f"fiche-{lang.value}"] = renderer.fiche(plan, plan.actions[0], lang)
    return out


@pytest.fixture(scope="module")
def committed(plan, example_documents):
    """The plan and a fiche in both languages, from the committed templates."""
    return {f"{kind}-{lang.value}": example_documents("docx", kind, lang, plan.actions[0].code if kind == "fiche" else None)
            for lang in Lang for kind in ("plan", "fiche")}


def _paragraphs(data: bytes) -> list[tuple[str, str, str]]:
    """(style, list format, text) of every non-empty paragraph of the body, in order, tables included."""
    document = docx.Document(io.BytesIO(data))
    numbering = document.part.numbering_part.element
    abstracts = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    nums = {n.get(qn("w:numId")): n.find(qn("w:abstractNumId")).get(qn("w:val")) for n in numbering.findall(qn("w:num"))}

    def list_format(paragraph) -> str:
        num_pr = paragraph.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is None:
            return ""
        level = num_pr.find(qn("w:ilvl")).get(qn("w:val")) if num_pr.find(qn("w:ilvl")) is not None else "0"
        num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
        if num_id == "0":  # "no list": cancels the list of the paragraph's style
            return ""
        abstract = abstracts[nums[num_id]]
        lvl = [x for x in abstract.findall(qn("w:lvl")) if x.get(qn("w:ilvl")) == level][0]
        return lvl.find(qn("w:numFmt")).get(qn("w:val"))

    out = []
    for paragraph in document.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
        style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if text.strip():
            out.append((style.get(qn("w:val")) if style is not None else "", list_format(paragraph), text))
    return out


def _layout(data: bytes) -> list:
    """The sections' orientations and, for each paragraph that starts a page, its text."""
    document = docx.Document(io.BytesIO(data))
    breaks = [("".join(t.text or "" for t in p.iter(qn("w:t"))))
              for p in document.element.body.iter(qn("w:p"))
              if p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None
              and p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}").get(qn("w:val")) not in ("0", "false")]
    return [s.orientation.name for s in document.sections] + breaks


def _font_parts(data: bytes) -> int:
    return sum(1 for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/fonts/"))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by setup.sh --test")
@pytest.mark.slow
def test_a_template_saved_again_by_libreoffice_publishes_the_same(plan, committed, tmp_path) -> None:
    folder = _copy_templates(tmp_path / "templates")
    for lang in Lang:
        sources = [str(folder / lang.value / name) for name in ("plan.docx", "fiche.docx")]
        saved = tmp_path / "saved" / lang.value
        result = subprocess.run(
            ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
             "--convert-to", "docx", "--outdir", str(saved), *sources],
            capture_output=True, text=True, timeout=180,
        )
        assert result.returncode == 0, result.stderr
        for name in ("plan.docx", "fiche.docx"):
            data = (saved / name).read_bytes()
            assert data != (folder / lang.value / name).read_bytes()
            (folder / lang.value / name).write_bytes(data)
    # what LibreOffice changes, so that the test keeps proving something
    styles = docx.Document(folder / "fr" / "plan.docx").styles
    assert "Titre1" not in {s.style_id for s in styles}

    again = _documents(DocxRenderer(folder), plan)
    for name, data in committed.items():
        assert _paragraphs(again[name]) == _paragraphs(data), name
        assert _layout(again[name]) == _layout(data), name
        # the editor's fallback fonts stay out: only the edition's faces are embedded
        assert _font_parts(again[name]) == _font_parts(data), name
        package = zipfile.ZipFile(io.BytesIO(again[name]))
        assert package.namelist().count("docProps/core.xml") == 1
    # the bilingual volume appends the Arabic plan, with its styles, to the French one
    volume, committed_volume = DocxRenderer(folder).bilingual(plan), DocxRenderer().bilingual(plan)
    assert _paragraphs(volume) == _paragraphs(committed_volume)
    assert _layout(volume) == _layout(committed_volume)


def _split_runs(xml: bytes) -> bytes:
    """Every run cut into runs of one character, as an editor's revision marks leave them."""
    root = etree.fromstring(xml)
    for run in list(root.iter(f"{{{W}}}r")):
        texts = run.findall(f"{{{W}}}t")
        if len(texts) != 1 or len(texts[0].text or "") < 2:
            continue
        text = texts[0].text
        parent, index = run.getparent(), run.getparent().index(run)
        parent.remove(run)
        for offset, char in enumerate(text):
            piece = etree.fromstring(etree.tostring(run))
            t = piece.find(f"{{{W}}}t")
            t.text = char
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            parent.insert(index + offset, piece)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rewrite(path, changes) -> None:
    source = zipfile.ZipFile(path)
    parts = {name: source.read(name) for name in source.namelist()}
    for name, change in changes.items():
        parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)


@pytest.mark.slow
def test_tags_split_across_runs_and_an_odd_core_relationship(plan, committed, tmp_path) -> None:
    """Tags cut into runs of one character still render whole; the core properties related with the
    type some writers use still give one docProps/core.xml, the renderer's."""
    folder = _copy_templates(tmp_path / "templates")
    odd = b"http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties"
    for lang in Lang:
        for name in ("plan.docx", "fiche.docx"):
            _rewrite(folder / lang.value / name, {
                "word/document.xml": _split_runs,
                "_rels/.rels": lambda rels: re.sub(rb'Type="[^"]*/metadata/core-properties"', b'Type="' + odd + b'"', rels),
            })
    split = docx.Document(folder / "fr" / "fiche.docx").element.body
    assert "{{" not in "".join(t.text or "" for t in split.iter(qn("w:t")) if len(t.text or "") > 1)
    again = _documents(DocxRenderer(folder), plan)
    for name, data in committed.items():
        assert _paragraphs(again[name]) == _paragraphs(data), name
        package = zipfile.ZipFile(io.BytesIO(again[name]))
        assert package.namelist().count("docProps/core.xml") == 1
        assert docx.Document(io.BytesIO(again[name])).core_properties.last_modified_by == "publisher"


def _bullet_text(numbering, num_id: int):
    """The ``w:lvlText`` of the first level of list ``num_id``."""
    num = [n for n in numbering.iter(qn("w:num")) if n.get(qn("w:numId")) == str(num_id)][0]
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = [a for a in numbering.iter(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id][0]
    return abstract.find(qn("w:lvl")).find(qn("w:lvlText"))


def test_a_restyled_template_restyles_the_output(plan, tmp_path) -> None:
    """What an office changes in a style reaches the published document (sizes and colours that the
    house style decides, such as the Cellule size, follow assets/charte.toml instead: tests/test_charte.py)."""
    folder = _copy_templates(tmp_path / "templates")
    template = docx.Document(folder / "fr" / "fiche.docx")
    template.styles["Titre fiche"].font.color.rgb = RGBColor(0xAA, 0x11, 0x22)
    template.styles["Signature"].font.size = Pt(13)
    numbering = template.part.numbering_part.element
    _bullet_text(numbering, CELL_BULLETS).set(qn("w:val"), "▪")  # another bullet, still a bullet
    _bullet_text(numbering, LIST_BULLETS).set(qn("w:val"), "■")  # one that Lato cannot draw
    template.save(folder / "fr" / "fiche.docx")
    published = docx.Document(io.BytesIO(DocxRenderer(folder).fiche(plan, plan.actions[0], Lang.FR)))
    assert _bullet_text(published.part.numbering_part.element, CELL_BULLETS).get(qn("w:val")) == "▪"
    replaced = _bullet_text(published.part.numbering_part.element, LIST_BULLETS).get(qn("w:val"))
    assert replaced != "■" and not fonts.missing(replaced, Lang.FR)  # every character printed has a face
    assert published.styles["Titre fiche"].font.color.rgb == RGBColor(0xAA, 0x11, 0x22)
    assert published.styles["Signature"].font.size == Pt(13)
    titles = [p for p in published.paragraphs if p.style.name == "Titre fiche"]
    assert titles and titles[0].text.endswith(plan.actions[0].code)


def test_a_missing_or_broken_template_is_a_located_error(plan, tmp_path) -> None:
    from publisher.errors import RenderError

    folder = _copy_templates(tmp_path / "templates")
    (folder / "fr" / "fiche.docx").write_bytes(b"not a zip")
    (folder / "ar" / "fiche.docx").unlink()
    edited = docx.Document(folder / "fr" / "plan.docx")
    edited.styles["Corps"].delete()  # an office deletes a style the renderer writes
    edited.save(folder / "fr" / "plan.docx")
    for lang, name, words in ((Lang.FR, "fiche.docx", "illisible"), (Lang.AR, "fiche.docx", "absent"),
                              (Lang.FR, "plan.docx", "style.*absent.*« Corps »")):
        with pytest.raises(RenderError, match=words) as error:
            renderer = DocxRenderer(folder)
            renderer.fiche(plan, plan.actions[0], lang) if name == "fiche.docx" else renderer.plan(plan, lang)
        assert str(folder / lang.value / name) in str(error.value)
    assert fonts.faces("Lato")  # the fonts are not what failed


def test_no_label_is_typed_in_a_template() -> None:
    """Every word a DOCX template prints comes from a tag: the labels of i18n.LABELS, the context's
    composed strings. Outside the tags, a template holds only punctuation and spacing."""
    import re
    import zipfile

    from publisher.i18n import LABELS

    words = re.compile(r"[^\W\d_]{2,}")
    tags = re.compile(r"\{[{%#].*?[}%#]\}", re.S)
    typed = []
    for path in sorted(resources.TEMPLATES.glob("*/*.docx")):
        with zipfile.ZipFile(path) as package:
            for part in package.namelist():
                if re.fullmatch(r"word/(document|header\d+|footer\d+)\.xml", part):
                    xml = package.read(part).decode("utf-8")
                    text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
                    typed += [f"{path.parent.name}/{path.name} {part}: {w}" for w in words.findall(tags.sub(" ", text))]
    assert typed == []
    assert all(pair[0] for pair in LABELS.values())  # and the terms themselves are there to be printed
