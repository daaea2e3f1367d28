"""Model -> HTML (Jinja2) -> PDF (WeasyPrint).

The edition's context (:mod:`publisher.render.context`) fills the HTML templates of
``templates/<lang>/``; the stylesheets of ``templates/shared/`` lay out the pages. Content is data:
Jinja autoescapes every value, and Markdown reaches the HTML only through :func:`blocks_html`, which
escapes every text and keeps only checked link targets. Every resource goes through
:class:`PlanFetcher`, which serves files of the plan folder, the templates and the chosen fonts, and
stops the render on anything else. One FontConfiguration per process, one set of stylesheets per charte.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .. import fonts, resources
from ..errors import RenderError
from ..markdown import Block, Heading, Image, ListBlock, Paragraph, Table, heading_ranks
from ..model import Action, Lang, Plan
from ..names import asset_url
from . import Renderer, context, pdfpost, pdftext, watermark

TEMPLATES = resources.TEMPLATES
STYLESHEETS = ("page.css", "typography.css", "canevas.css")
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf"}

logging.getLogger("fontTools").setLevel(logging.ERROR)  # the subsetter's notes on tables it drops


class _Collector(logging.Handler):
    """Keeps what WeasyPrint logs (warnings and errors) while one document is laid out or written."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102 - logging's hook
        self.messages.append(record.getMessage())


@contextmanager
def _collecting(into: list[str]):
    """Collect WeasyPrint's warnings into ``into`` (each once), never silencing them."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
        for message in collector.messages:
            text = f"WeasyPrint : {message}"
            if text not in into:
                into.append(text)


EXACT_TEXT = pdftext.install()  # the exact text layer (WeasyPrint #2841), for the versions it was checked on


PLAN_BASE = "file:///plan/"  # the base URL of a document: relative paths resolve to the plan's assets
GENERATED_PATH = "/publisher/"  # the files the renderer makes (the draft watermark), never a file on disk


class PlanFetcher(URLFetcher):
    """Serves the plan's checked assets and the files of the allowed folders; refuses the rest.

    A refusal stops the render (WeasyPrint would otherwise fall back silently, to DejaVu for a font).
    """

    def __init__(self, roots: tuple[Path, ...], assets: dict[str, bytes] | None = None,
                 generated: dict[str, bytes] | None = None):
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        self.assets = assets or {}
        self.generated = generated or {}  # files made by the renderer itself, under GENERATED_PATH

    def fetch(self, url, headers=None):  # noqa: D102 - WeasyPrint's hook
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FatalURLFetchingError(f"ressource refusée (hors du dossier du plan) : {url[:120]}")
        path = unquote(parts.path)
        mime = _MIME.get(Path(path).suffix.lower(), "application/octet-stream")
        if parts.path.startswith(GENERATED_PATH) and parts.path[len(GENERATED_PATH):] in self.generated:
            return URLFetcherResponse(url, self.generated[parts.path[len(GENERATED_PATH):]], {"Content-Type": mime})
        if path.startswith("/plan/") and path[len("/plan/"):] in self.assets:
            return URLFetcherResponse(url, self.assets[path[len("/plan/"):]], {"Content-Type": mime})
        local = Path(path).resolve()
        if any(local.is_relative_to(root) for root in self.roots) and local.is_file():
            return URLFetcherResponse(local.as_uri(), local.read_bytes(), {"Content-Type": mime})
        raise FatalURLFetchingError(f"ressource refusée (hors du dossier du plan) : {url[:120]}")


# --- Markdown -> HTML ---------------------------------------------------------------------------


def _inline_html(inlines) -> str:
    out = []
    for item in inlines:
        if isinstance(item, Image):
            out.append(f'<img src="{escape(asset_url(item.src))}" alt="{escape(item.alt)}">')
            continue
        text = str(escape(item.text)).replace("\n", "<br>")
        if item.code:
            text = f"<code>{text}</code>"
        if item.italic:
            text = f"<em>{text}</em>"
        if item.bold:
            text = f"<strong>{text}</strong>"
        if item.href:
            text = f'<a href="{escape(item.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def blocks_html(blocks: tuple[Block, ...], top: int = 1, anchor: str = "", _levels: dict[int, int] | None = None,
                _count: list | None = None) -> Markup:
    """The neutral Markdown tree as HTML; its headings take the levels from ``top`` down, in the order of
    the Markdown levels used, so that none is skipped (PDF/UA-1, 7.4.2: "# A" then "### B" make h2, h3).
    With an ``anchor``, the headings of level ``top`` are its targets ``<anchor>-1``, ``<anchor>-2``...
    (the sommaire's links, :func:`publisher.render.context.section_anchor`)."""
    if _levels is None:
        _levels = {level: min(top + rank, 6) for level, rank in heading_ranks(blocks).items()}
    _count = [0] if _count is None else _count
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            level = _levels[block.level]
            target = ""
            if anchor and level == top:
                _count[0] += 1
                target = f' id="{escape(anchor)}-{_count[0]}"'
            out.append(f"<h{level}{target}>{_inline_html(block.inlines)}</h{level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_inline_html(block.inlines)}</p>")
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            items = "".join(f"<li>{blocks_html(item, top, anchor, _levels, _count)}</li>" for item in block.items)
            out.append(f"<{tag}{start}>{items}</{tag}>")
        elif isinstance(block, Table):
            head = "".join(f'<th scope="col">{_inline_html(cell)}</th>' for cell in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(cell)}</td>" for cell in row) + "</tr>" for row in block.rows
            )
            out.append(f'<table class="md"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    return Markup("".join(out))


def _md(document, top: int = 3) -> Markup:
    return blocks_html(document.blocks, top)


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The Jinja environment of the HTML templates, with its filters registered in one place."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _md
    env.filters["blocks"] = blocks_html
    env.filters["asset_url"] = asset_url
    return env


# --- fonts and stylesheets, once per process ------------------------------------------------------


@lru_cache(maxsize=None)
def _font_config() -> FontConfiguration:
    return FontConfiguration()


def _font_faces_css() -> str:
    rules = []
    for family in fonts.FAMILIES.values():
        for face in fonts.faces(family):
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{face.path.as_uri()}"); '
                f"font-weight: {face.weight}; font-style: {face.style}; }}"
            )
    return "\n".join(rules)


@lru_cache(maxsize=4)
def _stylesheets(charte_css: str) -> tuple[CSS, ...]:
    """The font faces, the charte's custom properties and page boxes (:meth:`publisher.charte.Charte.css`),
    then the templates' stylesheets, which use them: one set per charte (most plans use the house's)."""
    fetcher = PlanFetcher((TEMPLATES, *fonts.font_dirs()))
    config = _font_config()
    sheets = [CSS(string=_font_faces_css(), font_config=config, url_fetcher=fetcher),
              CSS(string=charte_css, font_config=config, url_fetcher=fetcher)]
    for name in STYLESHEETS:
        path = TEMPLATES / "shared" / name
        sheets.append(CSS(string=path.read_text(encoding="utf-8"), base_url=path.as_uri(),
                          font_config=config, url_fetcher=fetcher))
    return tuple(sheets)


# --- the renderer -------------------------------------------------------------------------------


class PdfRenderer(Renderer):
    """Renders the plan document, the fiches action, the bundles and the bilingual volume as PDF.

    Laid-out documents are kept while one plan is being published, so that the bilingual volume
    reuses the two plan documents and a bundle reuses the fiches it gathers: each is laid out once.
    """

    extension = "pdf"

    def __init__(self) -> None:
        self._plan: Plan | None = None
        self._documents: dict[tuple, object] = {}
        self.warnings: list[str] = []  # what WeasyPrint reported since the last take_warnings()
        self.last_pages = 0  # the pages of the last PDF written, as laid out: the build records them

    def clear(self) -> None:
        """Forget the laid-out documents (the build calls it after each group of outputs)."""
        self._plan, self._documents = None, {}

    def take_warnings(self) -> list[str]:
        """WeasyPrint's warnings since the last call (the build prints them, located by output)."""
        taken, self.warnings = self.warnings, []
        return taken

    def html(self, plan: Plan, lang: Lang, template: str, **values) -> str:
        """The HTML of a document, for inspection and for rendering."""
        edition = context.edition(plan, lang)
        html = environment().get_template(f"{lang.value}/{template}").render(e=edition, L=edition.labels, **values)
        return fonts.drawable(html, lang)  # never a glyph from a font of the machine

    def plan(self, plan: Plan, lang: Lang) -> bytes:
        """The whole plan document of the edition."""
        return self._write(plan, [self._plan_document(plan, lang)], f"plan-{lang.value}")

    def fiche(self, plan: Plan, action: Action, lang: Lang) -> bytes:
        """The fiche action annex of one action."""
        return self._write(plan, [self._fiche_document(plan, action, lang)], f"fiche-{action.code}-{lang.value}")

    def bundle(self, plan: Plan, acteur: str, lang: Lang) -> bytes:
        """Every fiche of the actions that an acteur pilots or partners: a title page, then the fiches."""
        edition = context.edition(plan, lang)
        actions = plan.actions_of(acteur)
        codes = {a.code for a in actions}
        name = context.acteur_name(plan, acteur, lang, full=True)
        views = [a for a in edition.actions if a.code in codes]
        title = self._render(plan, lang, "bundle.html", actions=views, acteur=name)
        fiches = [self._fiche_document(plan, action, lang) for action in actions]
        return self._write(plan, [title, *fiches], f"fiches-{acteur}-{lang.value}")

    def changes(self, plan: Plan, lang: Lang) -> bytes:
        """The tableau des modifications against ``plan.previous``, as a document of its own."""
        return self._write(plan, [self._render(plan, lang, "changes.html")], f"modifications-{lang.value}")

    def bilingual(self, plan: Plan) -> bytes:
        """One volume: the complete French part, then the complete Arabic part, each in its direction."""
        parts = [self._plan_document(plan, lang) for lang in (Lang.FR, Lang.AR)]
        return self._write(plan, parts, "plan-bilingue")

    def _cached(self, plan: Plan, key: tuple, make):
        if plan is not self._plan:
            self._plan, self._documents = plan, {}
        if key not in self._documents:
            self._documents[key] = make()
        return self._documents[key]

    def _plan_document(self, plan: Plan, lang: Lang):
        return self._cached(plan, ("plan", lang), lambda: self._render(plan, lang, "plan.html"))

    def _fiche_document(self, plan: Plan, action: Action, lang: Lang):
        view = context.action_view(plan, action, lang)
        return self._cached(plan, ("fiche", action.code, lang), lambda: self._render(plan, lang, "fiche.html", a=view))

    def _render(self, plan: Plan, lang: Lang, template: str, **values):
        """One laid-out WeasyPrint document (pages and their boxes), not yet written."""
        html = self.html(plan, lang, template, **values)
        generated, stylesheets = {}, list(_stylesheets(plan.charte.css()))
        if context.edition(plan, lang).draft:
            drawn = watermark.svg(lang, plan.charte.watermark)
            # named by its content: WeasyPrint's image cache, shared by the renders of a process, keys on the URL
            name = f"watermark-{lang.value}-{hashlib.sha256(drawn).hexdigest()[:16]}.svg"
            generated[name] = drawn
            side = watermark.side_of(lang, plan.charte.watermark)
            stylesheets.append(CSS(string=f'@page {{ background: url("file://{GENERATED_PATH}{name}") no-repeat center '
                                          f'/ {side:.3f}pt {side:.3f}pt; }}', font_config=_font_config()))
        fetcher = PlanFetcher((TEMPLATES, *fonts.font_dirs()), plan.assets, generated)
        try:
            with _collecting(self.warnings):
                document = HTML(string=html, base_url=PLAN_BASE, url_fetcher=fetcher)
                return document.render(
                    stylesheets=stylesheets, font_config=_font_config(), pdf_tags=True, cache=_image_cache()
                )
        except FatalURLFetchingError as exc:
            raise RenderError(f"{template} : {exc}") from None

    def _write(self, plan: Plan, documents, key: str) -> bytes:
        """The PDF bytes of one or several documents, one after the other, with fixed identifiers."""
        document = documents[0]
        if len(documents) > 1:
            document = document.copy([page for doc in documents for page in doc.pages])
        identifier = hashlib.sha256(f"{context.plan_stem(plan)}/{key}".encode()).hexdigest()[:32].encode()
        parts = tuple((len(doc.pages), doc.metadata.lang or "") for doc in documents)
        self.last_pages = len(document.pages)
        try:
            with _collecting(self.warnings), pdftext.exact_text():
                return document.write_pdf(
                    pdf_identifier=identifier,
                    pdf_variant="pdf/a-3a",
                    pdf_tags=True,
                    custom_metadata=True,
                    finisher=pdfpost.Finisher(parts),
                )
        except FatalURLFetchingError as exc:
            raise RenderError(f"{key} : {exc}") from None


@lru_cache(maxsize=None)
def _image_cache() -> dict:
    return {}
