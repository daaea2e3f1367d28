"""Each guide rule, on a minimal plan with one thing broken: the exact diagnostic it gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.check import check, find_personal_data, starts_with_infinitive
from publisher.errors import Severity
from publisher.load import load

from .conftest import EXAMPLE, PLANS, variant

E, W = Severity.ERROR, Severity.WARNING

# case folder -> (file, line, severity, code, rule): the one diagnostic each case must give.
CASES = {
    "yaml-syntaxe": ("plan.yaml", 3, E, "-", "yaml.syntaxe"),
    "plan-vide": ("plan.yaml", 1, E, "-", "plan.vide"),
    "yaml-cle-double": ("plan.yaml", 26, E, "A1.1.1.1", "yaml.cle_double"),
    "octets-aleatoires": ("plan.yaml", 1, E, "-", "fichier.encodage"),
    "narratif-manquant": ("plan.yaml", 8, E, "-", "narratif.manquant"),
    "cle-inconnue": ("plan.yaml", 26, E, "A1.1.1.1", "cle.inconnue"),
    "type-invalide": ("plan.yaml", 25, E, "A1.1.1.1", "type.invalide"),
    "type-bilingue": ("plan.yaml", 24, E, "A1.1.1.1", "type.bilingue"),
    "cle-requise": ("plan.yaml", 23, E, "A1.1.1.1", "cle.requise"),
    "code-double": ("plan.yaml", 17, E, "P1", "code.double"),
    "acteur-inconnu": ("plan.yaml", 31, E, "A1.1.1.1", "acteur.inconnu"),
    "volet-inconnu": ("plan.yaml", 14, E, "P1", "volet.inconnu"),
    "og-sans-os": ("plan.yaml", 17, E, "OG1.1", "og.sans_os"),
    "os-sans-action": ("plan.yaml", 20, E, "OS1.1.1", "os.sans_action"),
    "pilote-requis": ("plan.yaml", 23, E, "A1.1.1.1", "pilote.requis"),
    "pilote-nom": ("plan.yaml", 28, W, "A1.1.1.1", "pilote.nom"),
    "intitule-infinitif": ("plan.yaml", 24, W, "A1.1.1.1", "intitule.infinitif"),
    "echeance-format": ("plan.yaml", 37, E, "A1.1.1.1", "echeance.format"),
    "echeance-semaine-53": ("plan.yaml", 37, E, "A1.1.1.1", "echeance.format"),
    "budget-negatif": ("plan.yaml", 35, E, "A1.1.1.1", "budget.negatif"),
    "echeance-periode": ("plan.yaml", 37, W, "A1.1.1.1", "echeance.periode"),
    "traduction-manquante": ("plan.yaml", 38, W, "A1.1.1.1", "traduction.manquante"),
    "traduction-manquante-valide": ("plan.yaml", 44, E, "A1.1.1.1", "traduction.manquante"),
    "fiche-incomplete": ("plan.yaml", 39, W, "A1.1.1.1", "fiche.incomplete"),
    "validation-incomplete": ("plan.yaml", 4, E, "-", "validation.incomplete"),
    "version-revision": ("plan.yaml", 3, E, "-", "version.revision"),
    "periode-ordre": ("plan.yaml", 2, E, "-", "periode.ordre"),
    "donnees-telephone": ("plan.yaml", 40, W, "A1.1.1.1", "donnees.telephone"),
    "donnees-email": ("plan.yaml", 40, W, "A1.1.1.1", "donnees.email"),
    "donnees-cin": ("plan.yaml", 40, W, "A1.1.1.1", "donnees.cin"),
    "donnees-dossier": ("plan.yaml", 40, W, "A1.1.1.1", "donnees.dossier"),
    "donnees-prenom-age": ("plan.yaml", 40, W, "A1.1.1.1", "donnees.prenom_age"),
    "donnees-valide": ("plan.yaml", 46, E, "A1.1.1.1", "donnees.prenom_age"),
    "markdown-html": ("fr/contexte.md", 5, W, "-", "markdown.html"),
    "markdown-lien": ("plan.yaml", 40, E, "A1.1.1.1", "markdown.lien"),
    "markdown-image": ("ar/contexte.md", 5, E, "-", "markdown.image"),
    "logo-chemin": ("plan.yaml", 9, E, "-", "logo.chemin"),
    "yaml-alias": ("plan.yaml", 5, E, "-", "yaml.alias"),
    "fichier-hors-plan": ("plan.yaml", 8, E, "-", "fichier.hors_plan"),
    "texte-controle": ("plan.yaml", 38, E, "A1.1.1.1", "texte.controle"),
    "code-invisible": ("plan.yaml", 20, E, "OS1.1.1\u200b", "code.invisible"),
    "nom-collision": ("plan.yaml", 31, E, "A_1", "nom.collision"),
    "charte-couleur": ("charte.toml", 3, E, "-", "charte.couleur"),
    "markdown-imbrication": ("fr/contexte.md", 12, E, "-", "markdown.imbrication"),
    "image-invalide": ("plan.yaml", 5, E, "-", "image.invalide"),
    "image-trop-grande": ("fr/contexte.md", 5, E, "-", "image.trop_grande"),
    "annee-bornes": ("plan.yaml", 2, E, "-", "annee.bornes"),
    "budget-montant": ("plan.yaml", 35, E, "A1.1.1.1", "budget.montant"),
    "police-caractere": ("plan.yaml", 38, W, "A1.1.1.1", "police.caractere"),
    "texte-vide": ("plan.yaml", 1, E, "-", "cle.requise"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_plan_gives_its_located_diagnostic(case: str) -> None:
    file, line, severity, code, rule = CASES[case]
    result = check(load(PLANS / case))
    found = [(d.location.file, d.location.line, d.severity, d.code, d.rule) for d in result.diagnostics]
    assert (file, line, severity, code, rule) in found
    # The case breaks one thing: no other error comes with it (except the consequences named below).
    others = [d for d in result.diagnostics if d.rule != rule and d.severity is E]
    if case == "revisions-ordre":
        others = [d for d in others if d.rule != "version.revision"]
    assert others == []


def test_revisions_out_of_order() -> None:
    rules = [d.rule for d in check(load(PLANS / "revisions-ordre")).diagnostics]
    assert "revisions.ordre" in rules


def test_every_sample_plan_folder_is_covered() -> None:
    folders = {p.name for p in PLANS.iterdir() if p.is_dir()}
    assert folders - set(CASES) == {"minimal", "revisions-ordre", "contact-autorise", "revision-v1", "revision-v2",
                                    "stress"}


def test_the_stress_plan_is_clean() -> None:
    """The proofing plan (long tokens, many pilots, a fiche of pages) is a valid plan: strict check is clean."""
    assert check(load(PLANS / "stress")).diagnostics == []


def test_minimal_plan_is_clean() -> None:
    result = check(load(PLANS / "minimal"))
    assert result.diagnostics == []
    assert result.plan is not None


def test_declared_institutional_contacts_are_allowed() -> None:
    assert check(load(PLANS / "contact-autorise")).diagnostics == []


def test_example_plan_checks_clean_and_complete() -> None:
    result = check(load(EXAMPLE))
    assert [str(d) for d in result.diagnostics] == []
    plan = result.plan
    assert len(plan.priorites) == 3
    assert {p.volet.value for p in plan.priorites} == {"detection", "prevention", "promotion"}
    assert len(plan.objectifs_generaux) >= 6
    assert len(plan.objectifs_specifiques) >= 12
    assert len(plan.actions) >= 24
    assert result.completeness.present["fr"] == result.completeness.total
    assert result.completeness.present["ar"] == result.completeness.total


def test_diagnostics_are_sorted_by_file_and_line(tmp_path: Path) -> None:
    plan = (PLANS / "minimal" / "plan.yaml").read_text()
    plan = plan.replace("volet: detection", "volet: autre").replace("rang: 1", "rang: 0")
    (tmp_path / "plan.yaml").write_text(plan)
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "contexte.md").write_text("# Contexte\n\n<b>gras</b>\n")
    lines = [(d.location.file, d.location.line) for d in check(load(tmp_path)).diagnostics]
    assert lines == sorted(lines, key=lambda fl: (fl[0] != "plan.yaml", fl))
    assert len(lines) >= 3


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Mettre en place une cellule", True),
        ("S'assurer de la qualité", True),
        ("S’assurer de la qualité", True),
        ("Se doter d'un observatoire", True),
        ("Établir un protocole", True),
        ("Centre d'écoute", False),
        ("Cellule d'écoute", False),
        ("Formation des acteurs", False),
    ],
)
def test_infinitive_detection(title: str, expected: bool) -> None:
    assert starts_with_infinitive(title) is expected


@pytest.mark.parametrize(
    "text, rule",
    [
        ("Appeler le +212 6 12 34 56 78", "donnees.telephone"),
        ("tel. 0537-12-34-56", "donnees.telephone"),
        ("écrire à parent.x@yahoo.fr", "donnees.email"),
        ("CIN BK654321", "donnees.cin"),
        ("affaire 1234/2101/2024", "donnees.dossier"),
        ("Amina, âgée de 9 ans, est suivie", "donnees.prenom_age"),
        ("سعيد البالغ من العمر 15 سنة", "donnees.prenom_age"),
    ],
)
def test_personal_data_is_found(text: str, rule: str) -> None:
    assert [r for _, r, _ in find_personal_data(text)] == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "Depuis 10 ans, le CAPE accompagne les familles.",
        "Période 2025-2027, version du 2025-03-18.",
        "Budget de 1 250 000 dirhams pour 26 actions.",
        "Action A1.1.1.1 de l'OS1.1.1, circulaire N°11/2019.",
    ],
)
def test_ordinary_text_is_not_personal_data(text: str) -> None:
    assert list(find_personal_data(text)) == []


VALIDATION = ('statut: projet\nvalidation:\n  date: 2025-04-02\n  lieu: {lieu}\n'
              '  signataires:\n    - {{nom: "M. Rachid Ouazzani", qualite: {{fr: "Gouverneur", ar: "عامل"}}}}\n')


@pytest.mark.parametrize("lieu, found", [
    ('{fr: "Bir Assafa", ar: "بئر أسافة"}', []),
    ('"Bir Assafa"', [("type.bilingue", 7)]),  # a place is named in both languages
    ('{fr: "Bir Assafa", ar: ""}', [("traduction.manquante", 7)]),
    ('{fr: "Bir Assafa", ar: "بئر أسافة", en: "Bir Assafa"}', [("cle.inconnue", 7)]),
])
def test_validation_lieu_is_a_bilingual_text(tmp_path: Path, lieu: str, found: list) -> None:
    folder = variant(tmp_path, "statut: projet\n", VALIDATION.format(lieu=lieu))
    assert [(d.rule, d.location.line) for d in check(load(folder)).diagnostics] == found
