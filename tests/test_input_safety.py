"""Input safety: check reads only the plan, never blows up, misses no hidden personal data, loses nothing
silently, agrees with the build on every file, and speaks French on one line. One minimal plan with one
thing changed per test (the helpers of test_check)."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from publisher import names
from publisher.build import jobs
from publisher.check import check, find_personal_data, load_checked
from publisher.errors import Diagnostic, Location, PlanError, Severity
from publisher.load import load

from .conftest import PLANS, copy_minimal, variant
from .pdftools import pdffonts, pdftotext, reader

E, W = Severity.ERROR, Severity.WARNING


def _found(folder: Path) -> list[tuple[str, int, str]]:
    return [(d.location.file, d.location.line, d.rule) for d in check(load(folder)).diagnostics]


def _rules(folder: Path) -> list[str]:
    return [d.rule for d in check(load(folder)).diagnostics]


def _sub(folder: Path) -> Path:
    folder.mkdir()
    return folder


def _png(width: int, height: int) -> bytes:
    """A real, tiny PNG (one colour) of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x20\x60\xa0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _append(folder: Path, rel: str, text: str) -> None:
    path = folder / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# --- 2. every file read lies inside the plan ------------------------------------------------------


def test_a_narrative_folder_linked_outside_is_refused_and_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "ailleurs"
    secret.mkdir()
    (secret / "contexte.md").write_text("Texte confidentiel hors du plan")
    plan = copy_minimal(_sub(tmp_path / "plan"))
    for item in (plan / "fr").iterdir():
        item.unlink()
    (plan / "fr").rmdir()
    os.symlink(secret, plan / "fr")
    result = check(load(plan))
    assert ("plan.yaml", 8, "fichier.hors_plan") in _found(plan)
    assert result.plan is not None and result.plan.sections[0].fr is None  # never read
    with pytest.raises(PlanError):
        load_checked(plan)


def test_an_image_linked_outside_the_plan_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "photo.png"
    outside.write_bytes(_png(2, 2))
    plan = copy_minimal(_sub(tmp_path / "plan"))
    (plan / "assets").mkdir()
    os.symlink(outside, plan / "assets" / "photo.png")
    _append(plan, "fr/contexte.md", "\n![x](assets/photo.png)\n")
    assert ("fr/contexte.md", 5, "fichier.hors_plan") in _found(plan)


def test_plan_yaml_linked_outside_is_refused(tmp_path: Path) -> None:
    plan = copy_minimal(_sub(tmp_path / "plan"))
    (plan / "plan.yaml").rename(tmp_path / "autre.yaml")
    os.symlink(tmp_path / "autre.yaml", plan / "plan.yaml")
    assert _rules(plan) == ["fichier.hors_plan"]


# --- 3. YAML anchors and aliases ------------------------------------------------------------------


def test_nested_aliases_are_refused_at_once_never_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    plan = copy_minimal(tmp_path)
    (plan / "plan.yaml").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    found = _found(plan)
    assert time.perf_counter() - start < 2
    assert found == [("plan.yaml", 1, "yaml.alias")]


def test_an_alias_alone_is_refused(tmp_path: Path) -> None:
    # A plain value starting with * is an alias to YAML: the message says to quote it.
    folder = variant(tmp_path, '"Rapport trimestriel"', "*important*")
    [diag] = check(load(folder)).diagnostics
    assert (diag.location.line, diag.rule) == (38, "yaml.syntaxe")
    assert "guillemets" in diag.message


# --- 4. safeguarding on normalised text, plan codes exempt -----------------------------------------


@pytest.mark.parametrize(
    "text, rule, shown",
    [
        ("Appeler le ٠٦١٢٣٤٥٦٧٨", "donnees.telephone", "0612345678"),  # Arabic-Indic digits
        ("Appeler le ۰۶۱۲۳۴۵۶۷۸", "donnees.telephone", "0612345678"),  # Eastern Arabic-Indic digits
        ("Appeler le 06\u200b12\u200b34\u200b56\u200b78", "donnees.telephone", "0612345678"),  # zero-width spaces
        ("Appeler le 06\u200e12\u200f34 56 78", "donnees.telephone", "061234 56 78"),  # bidi marks
        ("Appeler le ０６１２３４５６７８", "donnees.telephone", "0612345678"),  # full-width digits
        ("écrire à parent.x＠yahoo.fr", "donnees.email", "parent.x@yahoo.fr"),  # full-width @
        ("CIN ＢＫ６５４３２１", "donnees.cin", "BK654321"),
    ],
)
def test_personal_data_is_found_whatever_its_disguise(text: str, rule: str, shown: str) -> None:
    assert [(r, found) for _, r, found in find_personal_data(text)] == [(rule, shown)]


def test_disguised_personal_data_keeps_its_line(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    _append(folder, "ar/contexte.md", "\nسطر\n\u200fالهاتف ٠٦١٢٣٤٥٦٧٨\n")
    text = (folder / "ar" / "contexte.md").read_text()
    line = text.count("\n", 0, text.index("الهاتف")) + 1
    assert ("ar/contexte.md", line, "donnees.telephone") in _found(folder)


def test_the_plans_own_codes_are_not_personal_data(tmp_path: Path) -> None:
    folder = variant(tmp_path, "code: A1.1.1.1", "code: AB12345")
    _append(folder, "fr/contexte.md", "\nVoir l'action AB12345 ; la CIN BK654321 ne doit pas paraître.\n")
    found = [(d.rule, d.message) for d in check(load(folder)).diagnostics]
    assert [rule for rule, _ in found] == ["donnees.cin"]
    assert "BK654321" in found[0][1]


# --- 5. unique output names ---------------------------------------------------------------------


def test_codes_that_make_one_file_name_are_refused(tmp_path: Path) -> None:
    assert ("plan.yaml", 31, "nom.collision") in _found(PLANS / "nom-collision")
    folder = variant(tmp_path, "code: A1.1.1.1", "code: a1.1.1.1")
    assert _rules(folder) == []  # alone, a lower-case code is fine


def test_a_code_with_an_invisible_character_is_refused(tmp_path: Path) -> None:
    folder = variant(tmp_path, "code: OG1.1", 'code: "OG1.1\\u2060"')
    [diag] = check(load(folder)).diagnostics
    assert (diag.rule, diag.location.line) == ("code.invisible", 17)
    assert "U+2060" in diag.message


def test_arabic_acteur_keys_get_distinct_readable_file_names(tmp_path: Path) -> None:
    folder = variant(tmp_path, "  cape:", "  المركز:")
    text = (folder / "plan.yaml").read_text().replace("acteur: cape", "acteur: المركز")
    text = text.replace("  sante:", "  الصحة:").replace("partenaires: [sante]", "partenaires: [الصحة]")
    (folder / "plan.yaml").write_text(text)
    result = load_checked(folder)
    bundles = sorted(Path(j.target).name for j in jobs(result.plan, ["fr"], ["pdf"]) if j.kind == "bundle")
    assert bundles == ["fiches-almrkz-assafa-2025-03-18-fr.pdf", "fiches-alsha-assafa-2025-03-18-fr.pdf"]


def test_acteur_keys_that_collide_once_transliterated_are_refused(tmp_path: Path) -> None:
    folder = variant(tmp_path, "  sante:", "  Cape:")
    text = (folder / "plan.yaml").read_text().replace("partenaires: [sante]", "partenaires: [Cape]")
    (folder / "plan.yaml").write_text(text)
    assert ("plan.yaml", 11, "nom.collision") in _found(folder)


def test_file_names_are_the_build_names() -> None:
    from publisher.build import jobs
    from publisher.check import load_checked

    plan = load_checked(PLANS / "minimal").plan
    targets = {job.target for job in jobs(plan)}
    for action in plan.actions:
        assert f"fr/annexes/fiche-{names.file_name(action.code)}-assafa-2025-03-18-fr.pdf" in targets
    for key in plan.acteurs:
        assert f"ar/acteurs/fiches-{names.file_name(key)}-assafa-2025-03-18-ar.docx" in targets
    assert names.file_name("A1.1.1.1") == "A1.1.1.1"
    assert names.file_name("A/1") == names.file_name("A_1")
    assert len(names.file_name("x" * 300)) <= names.MAX_NAME


# --- 6. nothing vanishes silently -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "".join("  " * i + f"- niveau {i}\n" for i in range(12)) + "\nla suite\n",
        ">" * 25 + " citation\n" + ">" * 25 + " la suite\n",
        "".join("  " * i + f"- {i}\n" for i in range(500)),
    ],
    ids=["liste-12", "citation-25", "liste-500"],
)
def test_markdown_nested_beyond_the_parser_is_a_located_error(tmp_path: Path, text: str) -> None:
    folder = copy_minimal(tmp_path)
    (folder / "fr" / "contexte.md").write_text(text)
    found = [(f, r) for f, line, r in _found(folder) if line >= 1]
    assert ("fr/contexte.md", "markdown.imbrication") in found


@pytest.mark.parametrize(
    "old, new, line",
    [
        ('province: {fr: "Assafa", ar: "أسافة"}', 'province: {fr: "", ar: ""}', 1),
        ('intitule: {fr: "Améliorer la détection", ar: "تحسين الرصد"}', 'intitule: {fr: " ", ar: ""}', 18),
        ("code: OS1.1.1", 'code: ""', 20),
        ('indicateurs: [{fr: "Nombre de signalements reçus", ar: "عدد التبليغات المتوصل بها"}]',
         'indicateurs: [{fr: "", ar: ""}]', 36),
    ],
)
def test_required_texts_empty_in_both_languages_are_refused(tmp_path: Path, old: str, new: str, line: int) -> None:
    folder = variant(tmp_path, old, new)
    text = (folder / "plan.yaml").read_text().replace("statut: projet", "statut: valide", 1)
    text = text.replace("narratif:", "validation:\n  date: 2025-03-20\n  instance: {fr: CPPE, ar: CPPE}\n"
                        "  signataires: [{nom: M. Le Gouverneur, qualite: {fr: Gouverneur, ar: عامل}}]\nnarratif:")
    (folder / "plan.yaml").write_text(text)
    found = _found(folder)
    assert [r for _, _, r in found] == ["cle.requise"]
    assert found[0][1] == line + (4 if line > 7 else 0)


def test_a_character_no_face_has_is_a_warning_and_never_a_system_font(tmp_path: Path) -> None:
    folder = variant(tmp_path, '"Rapport trimestriel"', '"Rapport ✓ trimestriel"')
    text = (folder / "plan.yaml").read_text().replace('"تقرير فصلي"', '"تقرير ≥ فصلي"')
    (folder / "plan.yaml").write_text(text)
    warnings = [(d.location.line, d.rule, d.message) for d in check(load(folder)).diagnostics]
    assert [(line, rule) for line, rule, _ in warnings] == [(38, "police.caractere")] * 2
    assert "Lato" in warnings[0][2] + warnings[1][2] and "Amiri" in warnings[0][2] + warnings[1][2]
    from publisher.model import Lang
    from publisher.render.pdf import PdfRenderer

    plan = load_checked(folder).plan
    pdf = tmp_path / "fiche.pdf"
    pdf.write_bytes(PdfRenderer().fiche(plan, plan.actions[0], Lang.FR))
    assert {name.split("-")[0] for name, *_ in pdffonts(pdf)} <= {"Lato"}
    assert "Rapport ? trimestriel" in pdftotext(pdf)


def test_french_needs_lato_and_arabic_amiri(tmp_path: Path) -> None:
    folder = variant(tmp_path, '"Rapport trimestriel"', '"Rapport ≥ 3 par an"')
    assert _rules(folder) == []  # Lato draws ≥
    folder = variant(_sub(tmp_path / "autre"), '"تقرير فصلي"', '"تقرير ≥ فصلي"')
    assert _rules(folder) == ["police.caractere"]  # Amiri does not


# --- 7. check and build agree on every file --------------------------------------------------------


def test_images_are_found_as_the_renderers_find_them(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    (folder / "assets").mkdir()
    (folder / "assets" / "été 1.png").write_bytes(_png(40, 20))
    (folder / "assets" / "logo #1.png").write_bytes(_png(30, 30))
    _append(folder, "fr/contexte.md", "\n![Schéma](<assets/été 1.png>) ![Autre](./assets/%C3%A9t%C3%A9%201.png)\n")
    text = (folder / "plan.yaml").read_text().replace("statut: projet", 'statut: projet\nlogos: ["assets/./logo #1.png"]')
    (folder / "plan.yaml").write_text(text)
    result = load_checked(folder)
    assert result.diagnostics == []
    assert sorted(result.plan.assets) == ["assets/logo #1.png", "assets/été 1.png"]

    from publisher.model import Lang
    from publisher.render.docx import DocxRenderer
    from publisher.render.pdf import PdfRenderer

    pdf = reader(PdfRenderer().plan(result.plan, Lang.FR))
    images = [name for page in pdf.pages for name in page.images]
    assert len(images) >= 3  # the logo on the cover, the image twice in the context
    docx = DocxDocument(io.BytesIO(DocxRenderer().plan(result.plan, Lang.FR)))
    blips = docx.element.body.xpath(".//a:blip")
    assert len(blips) >= 3


@pytest.mark.parametrize(
    "name, data, rule",
    [
        ("logo.png", b"GIF89a" + b"\0" * 30, "image.invalide"),
        ("logo.png", b"\xff\xd8\xff\xe0" + b"\0" * 30, "image.invalide"),  # a JPEG named .png
        ("logo.gif", b"GIF89a" + b"\0" * 30, "image.invalide"),
        ("logo.svg", b"<html></html>", "image.invalide"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
         "image.invalide"),
        ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "image.invalide"),
        ("logo.png", _png(1, 1)[:16] + struct.pack(">II", 20_000, 20_000) + _png(1, 1)[24:], "image.trop_grande"),
    ],
)
def test_a_logo_must_be_a_real_image_within_the_pixel_budget(tmp_path: Path, name: str, data: bytes, rule: str) -> None:
    folder = variant(tmp_path, "statut: projet", f"statut: projet\nlogos: [assets/{name}]")
    (folder / "assets").mkdir()
    (folder / "assets" / name).write_bytes(data)
    assert _found(folder) == [("plan.yaml", 5, rule)]


def test_a_real_svg_logo_passes(tmp_path: Path) -> None:
    folder = variant(tmp_path, "statut: projet", "statut: projet\nlogos: [assets/logo.svg]")
    (folder / "assets").mkdir()
    (folder / "assets" / "logo.svg").write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<defs><path id="p" d="M0 0h9v9z"/></defs><use xlink:href="#p" fill="url(#g)"/></svg>'
    )
    assert _found(folder) == []


# --- 8. bad values: located French diagnostics, never a traceback -----------------------------------


@pytest.mark.parametrize(
    "old, new, line, rule",
    [
        ('"Rapport trimestriel"', '"Rapport\\x01 trimestriel"', 38, "texte.controle"),
        ('"Rapport trimestriel"', '"Rapport\\uFFFF trimestriel"', 38, "texte.controle"),
        ("montant: 12500.50", "montant: 10000000000000000000000000000", 35, "budget.montant"),
        ("montant: 12500.50", "montant: 1e400", 35, "budget.montant"),
        ("periode: {debut: 2025, fin: 2027}", "periode: {debut: 0, fin: 2027}", 2, "annee.bornes"),
        ("periode: {debut: 2025, fin: 2027}", "periode: {debut: 2025, fin: 10000}", 2, "annee.bornes"),
        ("echeance: 2025-06", "echeance: 0000-06", 37, "echeance.format"),
        ("statut: projet", 'statut: projet\nlogos: ["a\\0b.png"]', 5, "logo.chemin"),
        ("statut: projet", 'statut: projet\nlogos: ["' + "a" * 300 + '.png"]', 5, "logo.chemin"),
        ("statut: projet", "statut: projet\nx: " + "[" * 500 + "]" * 500, 5, "yaml.imbrication"),
    ],
)
def test_bad_values_are_located_errors(tmp_path: Path, old: str, new: str, line: int, rule: str) -> None:
    folder = variant(tmp_path, old, new)
    found = [(d.location.line, d.rule) for d in check(load(folder)).diagnostics if d.severity is E]
    assert (line, rule) in found


def test_tab_and_newline_are_allowed_in_markdown(tmp_path: Path) -> None:
    folder = variant(tmp_path, '"Permanence quotidienne."', '"Permanence\\tquotidienne.\\n\\nDeux paragraphes."')
    assert _rules(folder) == []


# --- 10. messages: French, no Python values, columns in characters, one line ------------------------


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("statut: projet", "statut: projet: oui", "« : » inattendu"),
        ('intitule: {fr: "Améliorer la détection", ar: "تحسين الرصد"}', 'intitule: {fr: "Améliorer', "accolade non fermée"),
        ('ar: "مداومة يومية."}', 'ar: "مداومة يومية.}', "fin du fichier"),
        ("statut: projet", "statut: [projet", "« , » ou « ] » attendu"),
        ("statut: projet", 'statut: "\\q"', "séquence d'échappement"),
        ("statut: projet", "statut: projet\n---\nautre: 1", "un seul est admis"),
        ("statut: projet", "statut: projet\n\tx: 1", "tabulation"),
        ("statut: projet", "statut: projet\n@x: 1", "caractère qui ne peut commencer"),
    ],
)
def test_yaml_errors_are_in_french(tmp_path: Path, old: str, new: str, words: str) -> None:
    folder = variant(tmp_path, old, new)
    [diag] = check(load(folder)).diagnostics
    assert diag.rule == "yaml.syntaxe" and words in diag.message
    assert not any(english in diag.message for english in ("found", "expected", "while"))


def test_an_unknown_libyaml_message_is_quoted_after_french_words() -> None:
    import yaml

    from publisher.load import yaml_message

    message = yaml_message(yaml.YAMLError("something new"))
    assert message.startswith("syntaxe invalide") and "something new" in message


@pytest.mark.parametrize(
    "old, new, shown",
    [
        ("rang: 1", "rang: true", "« true »"),
        ("volet: detection", "volet: false", "« false »"),
        ("echeance: 2025-06", "echeance: [2025]", "« liste de 1 élément(s) »"),
    ],
)
def test_values_are_shown_as_yaml_writes_them(tmp_path: Path, old: str, new: str, shown: str) -> None:
    [diag] = check(load(variant(tmp_path, old, new))).diagnostics
    assert shown in diag.message
    assert not any(word in diag.message for word in ("True", "False", "None"))


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    data = (folder / "plan.yaml").read_bytes().replace("أسافة".encode(), "أسافة".encode() + b"\xff", 1)
    (folder / "plan.yaml").write_bytes(data)
    [diag] = check(load(folder)).diagnostics
    line = 'province: {fr: "Assafa", ar: "أسافة'
    assert (diag.rule, diag.location.line, diag.location.col) == ("fichier.encodage", 1, len(line) + 1)
    folder = variant(_sub(tmp_path / "b"), 'ar: "أسافة"}', 'ar: "أسافة"} : x')
    [diag] = check(load(folder)).diagnostics
    assert diag.location.col == len('province: {fr: "Assafa", ar: "أسافة"} ') + 1


def test_a_raw_control_character_in_plan_yaml_is_located_in_characters(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    text = (folder / "plan.yaml").read_text().replace('"مداومة يومية."', '"مداومة\x01 يومية."')
    (folder / "plan.yaml").write_text(text)
    [diag] = check(load(folder)).diagnostics
    line = text[: text.index("\x01")].count("\n") + 1
    col = text.index("\x01") - text.rfind("\n", 0, text.index("\x01"))
    assert (diag.rule, diag.location.line, diag.location.col) == ("yaml.syntaxe", line, col)
    assert "caractère de contrôle" in diag.message


def test_a_printed_diagnostic_is_one_line_whatever_the_code(tmp_path: Path) -> None:
    folder = variant(tmp_path, "code: P1", 'code: "P1\\nplan.yaml:1:1: erreur: -: faux [x]\\x01"')
    printed = [str(d) for d in check(load(folder)).diagnostics]
    assert printed and all("\n" not in p and "\x01" not in p for p in printed)
    assert any("P1\\nplan.yaml" in p for p in printed)
    diag = Diagnostic(Location("plan.yaml", 1, 1), E, "A\u200b\u2028", "x\ry", "r")
    assert str(diag) == "plan.yaml:1:1: erreur: A\\u200b\\u2028: x\\ry [r]"
