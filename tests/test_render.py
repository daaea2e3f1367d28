"""The renderer interface: one entry point, ``render(spec)``, and one registry for every format."""

from __future__ import annotations

import io

import docx
import pytest

from publisher.check import load_checked
from publisher.model import Lang
from publisher.render import KINDS, REGISTRY, Renderer, Spec, renderer

from .conftest import PLANS


@pytest.fixture(scope="module")
def plan():
    return load_checked(PLANS / "minimal").plan


def test_every_format_of_the_registry_is_a_renderer_with_its_extension() -> None:
    for fmt in REGISTRY:
        engine = renderer(fmt)
        assert isinstance(engine, Renderer)
        assert engine.extension == fmt
        assert renderer(fmt) is engine  # one per process: what it keeps is shared by a group of jobs


@pytest.mark.parametrize("kind, lang, key", [
    ("plan", None, None),  # a language is needed
    ("bilingual", Lang.FR, None),  # the bilingual volume has both
    ("fiche", Lang.FR, None),  # which action?
    ("plan", Lang.FR, "A1.1.1.1"),  # a key only for a fiche or a bundle
    ("annexe", Lang.FR, None),  # not a document kind
])
def test_a_spec_that_names_no_document_is_refused(plan, kind, lang, key) -> None:
    with pytest.raises(ValueError):
        Spec(plan, kind, lang, key)


def test_render_prints_the_document_the_spec_names(plan) -> None:
    """Through ``render``, each kind gives the document of its case: read back from the DOCX."""
    engine = renderer("docx")
    action = plan.actions[0]
    acteur = next(iter(plan.acteurs_of(action)))
    specs = {kind: Spec(plan, kind, None if kind == "bilingual" else Lang.FR,
                        {"fiche": action.code, "bundle": acteur}.get(kind)) for kind in KINDS if kind != "changes"}
    texts = {kind: "\n".join(p.text for p in docx.Document(io.BytesIO(engine.render(spec))).paragraphs)
             for kind, spec in specs.items()}
    assert action.code in texts["fiche"] and action.code in texts["bundle"]
    assert texts["fiche"] != texts["plan"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in texts["bilingual"])  # the Arabic part
    assert not any("\u0600" <= ch <= "\u06ff" for ch in texts["plan"])
