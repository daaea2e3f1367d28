"""Properties of load and check over generated input (Hypothesis): never an exception, every diagnostic
located, every printed diagnostic one line.

Generated plans follow the schema, then are mutated (a key dropped, a value replaced by any YAML value,
an unknown key added); random bytes stand for plan.yaml; random Markdown for a narrative file. CI runs
the ``ci`` profile (a few hundred examples in all); ``PUBLISHER_HYPOTHESIS=long`` runs many more.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.check import check
from publisher.load import load

from .conftest import PLANS

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("PUBLISHER_HYPOTHESIS", "ci"))

MINIMAL = PLANS / "minimal"

# Characters that matter: YAML and Markdown syntax, Arabic, digits of three scripts, invisible and
# control characters, full-width forms, characters no embedded face draws.
_SPECIAL = list(":-#&*!|>'\"{}[],%@`?\\/\t\n ") + list("éàçأسافة٠٦۱۲") + [
    "\u200b", "\u200f", "\u202e", "\x01", "\x7f", "\ufeff", "\uffff", "０", "＠", "✓", "≥", "\u2028",
]
TEXT = st.text(st.one_of(st.sampled_from(_SPECIAL), st.characters(codec="utf-8")), max_size=30)
SCALAR = st.one_of(
    TEXT, st.integers(-(10**30), 10**30), st.booleans(), st.none(), st.dates().map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.sampled_from(["2025-W53", "2025-13", "continu", "0000-01", "9999-12-31", "1e400", "projet", "valide"]),
)
ANY = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)


def _bilingual() -> st.SearchStrategy:
    return st.fixed_dictionaries({"fr": TEXT, "ar": TEXT})


def _action(code: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "code": code,
            "intitule": _bilingual(),
            "pilotes": st.lists(st.fixed_dictionaries({"nom": TEXT, "acteur": st.sampled_from(["cape", "x", "الصحة"])}),
                                max_size=2),
            "partenaires": st.lists(st.sampled_from(["cape", "الصحة", "inconnu"]), max_size=2),
            "budget": st.fixed_dictionaries({"montant": st.one_of(st.integers(-5, 10**14), st.floats(
                allow_nan=False, allow_infinity=False))}),
            "echeance": st.sampled_from(["2025-06", "2026-W14", "continu", "2025-02-30", "2201-01"]),
            "fiche": st.fixed_dictionaries({"contexte": _bilingual(), "modalites": _bilingual()}),
        }
    )


CODE = st.one_of(st.sampled_from(["A1", "A_1", "A/1", "a1", "A1\u200b", "AB12345", ""]), TEXT)
PLAN = st.fixed_dictionaries(
    {
        "province": _bilingual(),
        "periode": st.fixed_dictionaries({"debut": st.integers(0, 10001), "fin": st.integers(0, 10001)}),
        "version": st.dates().map(str),
        "statut": st.sampled_from(["projet", "valide"]),
        "narratif": st.lists(st.sampled_from(["contexte", "absent"]), max_size=2),
        "logos": st.lists(st.sampled_from(["assets/./l.png", "../x.png", "logo #1.png", "a\0b.png", "x" * 300]),
                          max_size=2),
        "acteurs": st.dictionaries(st.sampled_from(["cape", "Cape", "الصحة", "الصحه", "x\u200b"]),
                                   st.fixed_dictionaries({"nom": _bilingual()}), max_size=3),
        "priorites": st.lists(st.fixed_dictionaries({
            "code": CODE, "volet": st.sampled_from(["detection", "autre"]), "intitule": _bilingual(),
            "objectifs_generaux": st.lists(st.fixed_dictionaries({
                "code": CODE, "intitule": _bilingual(),
                "objectifs_specifiques": st.lists(st.fixed_dictionaries({
                    "code": CODE, "intitule": _bilingual(), "actions": st.lists(_action(CODE), max_size=2),
                }), max_size=1),
            }), max_size=1),
        }), min_size=1, max_size=2),
    }
)


@st.composite
def mutated_plans(draw) -> dict:
    """A plan from the schema, then up to three mutations anywhere in it."""
    plan = draw(PLAN)
    for _ in range(draw(st.integers(0, 3))):
        node, path = plan, []
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str)) if isinstance(node, dict) else st.integers(0, len(node) - 1))
            path.append((node, key))
            node = node[key]
        if not path:
            plan[draw(TEXT) or "x"] = draw(ANY)
            continue
        parent, key = path[-1]
        action = draw(st.sampled_from(["drop", "replace", "add"]))
        if action == "drop" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(TEXT) or "y"] = draw(ANY)
        else:
            parent[key] = draw(ANY)
    return plan


def _assert_sound(folder: Path) -> None:
    """check(load(folder)) raises nothing; each diagnostic is located and prints on one line."""
    result = check(load(folder))
    for diag in result.diagnostics:
        assert diag.location.file and diag.location.line >= 1, diag
        printed = str(diag)
        assert len(printed.splitlines()) == 1, printed
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in printed), printed


def _folder(tmp: str, plan_yaml: bytes, markdown: str | None = None) -> Path:
    folder = Path(tmp)
    for lang in ("fr", "ar"):
        (folder / lang).mkdir(exist_ok=True)
        (folder / lang / "contexte.md").write_bytes((MINIMAL / lang / "contexte.md").read_bytes())
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "l.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x02\x08\x02\0\0\0")
    (folder / "plan.yaml").write_bytes(plan_yaml)
    if markdown is not None:
        (folder / "fr" / "contexte.md").write_text(markdown, encoding="utf-8", errors="surrogatepass")
    return folder


@given(mutated_plans())
def test_any_plan_from_the_schema_mutated_is_checked_soundly(plan: dict) -> None:
    text = yaml.safe_dump(plan, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        _assert_sound(_folder(tmp, text.encode("utf-8", "surrogatepass")))


@given(st.binary(max_size=400))
def test_any_bytes_as_plan_yaml_are_checked_soundly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _assert_sound(_folder(tmp, data))


_YAMLISH = st.text(st.sampled_from(list(":-#&*!|>'\"{}[],%@? \n\tabc01") + ["\u200b", "أ", "\x01", "é"]), max_size=200)


@given(_YAMLISH)
def test_any_yaml_like_text_is_checked_soundly(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _assert_sound(_folder(tmp, text.encode("utf-8")))


_MARKDOWN = st.lists(
    st.one_of(st.sampled_from(["- ", "  ", "> ", "1. ", "#", "*", "_", "`", "|", "![a](", "](", ")", "<b>", "\n",
                               "\n\n", "[x]: ", "http://", "%20", "assets/l.png", "../", "٠٦١٢٣٤٥٦٧٨", "\u200b"]),
              st.characters(codec="utf-8")),
    max_size=80,
).map("".join)


@given(_MARKDOWN)
def test_any_markdown_narrative_is_checked_soundly(markdown: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _assert_sound(_folder(tmp, (MINIMAL / "plan.yaml").read_bytes(), markdown))


@given(st.binary(max_size=300))
def test_any_bytes_as_a_narrative_file_are_checked_soundly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(tmp, (MINIMAL / "plan.yaml").read_bytes())
        (folder / "ar" / "contexte.md").write_bytes(data)
        _assert_sound(folder)


_DIRECTIONAL = st.lists(st.one_of(st.sampled_from(list("أسافة ،()-.1٢A") + ["CPPE", "A1.1.1.1", "\u200f"]),
                                  st.characters(codec="utf-8")), max_size=20).map("".join)


@given(_DIRECTIONAL)
def test_a_text_splits_into_latin_stretches_and_right_to_left_pieces(text: str) -> None:
    """The DOCX's directional runs (``ooxml.bidi``) give back the text, and a piece is right to left
    exactly when no letter of a left-to-right script (bidi class L) is in it: a Latin stretch always
    starts at one, and none is ever left inside Arabic (whatever the shortcuts taken on the way)."""
    from publisher.render.ooxml.bidi import directional_segments

    pieces = directional_segments(text)
    assert "".join(piece for piece, _ in pieces) == text
    for piece, rtl in pieces:
        assert piece and rtl == all(unicodedata.bidirectional(ch) != "L" for ch in piece), (piece, rtl)
