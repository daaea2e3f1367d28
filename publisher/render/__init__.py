"""Renderers: one module per output format, all behind one interface and one registry.

A renderer turns a :class:`Spec` (the plan, which document, in which language) into the bytes of
one file: ``renderer("pdf").render(spec)``. Both formats print the same edition view
(:mod:`publisher.render.context`); each renderer only decides how it looks. The registry names the
modules instead of importing them, so that a build with nothing to render never loads WeasyPrint
or python-docx.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..lang import Lang

if TYPE_CHECKING:  # the model is only a type here: importing this package stays cheap
    from ..model import Action, Plan

KINDS = ("plan", "fiche", "bundle", "changes", "bilingual")

REGISTRY = {"pdf": "publisher.render.pdf:PdfRenderer", "docx": "publisher.render.docx:DocxRenderer"}


@dataclass(frozen=True)
class Spec:
    """What to render: a document of the plan (one of :data:`KINDS`), its language (none for the
    bilingual volume) and, for a fiche or a bundle, the action's code or the acteur's key."""

    plan: Plan
    kind: str
    lang: Lang | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown document kind {self.kind!r}")
        if (self.lang is None) != (self.kind == "bilingual"):
            raise ValueError(f"{self.kind}: a language is needed for every document but the bilingual volume")
        if (self.key is None) == (self.kind in ("fiche", "bundle")):
            raise ValueError(f"{self.kind}: a key is needed for a fiche or a bundle, and only for them")


@runtime_checkable
class Renderer(Protocol):
    """What every format's renderer offers. :meth:`render` is the one entry point; the documents'
    methods are its cases, and ``last_pages``/``take_warnings``/``clear`` what a build reads back."""

    extension: str
    last_pages: int  # the pages of the last document rendered, as laid out (0 when the reader paginates)

    def render(self, spec: Spec) -> bytes:
        """The bytes of the document ``spec`` names."""
        if spec.kind == "bilingual":
            return self.bilingual(spec.plan)
        if spec.kind == "plan":
            return self.plan(spec.plan, spec.lang)
        if spec.kind == "fiche":
            return self.fiche(spec.plan, spec.plan.action(spec.key), spec.lang)
        if spec.kind == "bundle":
            return self.bundle(spec.plan, spec.key, spec.lang)
        return self.changes(spec.plan, spec.lang)

    def plan(self, plan: Plan, lang: Lang) -> bytes: ...

    def fiche(self, plan: Plan, action: Action, lang: Lang) -> bytes: ...

    def bundle(self, plan: Plan, acteur: str, lang: Lang) -> bytes: ...

    def changes(self, plan: Plan, lang: Lang) -> bytes: ...

    def bilingual(self, plan: Plan) -> bytes: ...

    def take_warnings(self) -> list[str]:
        """What the renderer's libraries reported since the last call (the build prints it, by output)."""
        return []

    def clear(self) -> None:
        """Forget what was kept while one group of documents was rendered."""


@lru_cache(maxsize=None)
def renderer(fmt: str) -> Renderer:
    """The renderer of a format, from the registry (its module imported only when something is rendered)."""
    module, name = REGISTRY[fmt].split(":")
    return getattr(importlib.import_module(module), name)()
