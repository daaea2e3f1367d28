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
from dataclasses import replace
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
from ..i18n import label
from ..stamp import engine_fingerprint
from . import Renderer, assemble, context, pdfbreak, pdfpost, pdftext, watermark
from .partcache import PartCache, part_key

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
JOINED_BREAKS = EXACT_TEXT and pdfbreak.install()  # a word broken inside keeps its joined letters and its box;
# only with the exact text layer, which reads the lines without the joiners the breaks put in them


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

FOOTERS_CSS = "@page { @top-center { content: none; border: none; } }"  # the footers' document: no header


class PdfRenderer(Renderer):
    """Renders the plan document, the fiches action, the bundles and the bilingual volume as PDF.

    Every PDF is assembled (:mod:`publisher.render.assemble`) from parts, each laid out and written
    once: a fiche's part goes into its annex file and into the bundles; an edition's plan parts into
    its plan document and into the bilingual volume. The footers are drawn over the assembled pages,
    so that the numbers run through the whole file. Parts are kept while one plan is being published.
    """

    extension = "pdf"

    def __init__(self) -> None:
        self._plan: Plan | None = None
        self._parts: dict[tuple, object] = {}
        self.cache: PartCache | None = None  # the parts kept between builds (set by the build)
        self.laid_out: list[str] = []  # the parts laid out (not taken from the cache), by name, for the tests
        self.warnings: list[str] = []  # what WeasyPrint reported since the last take_warnings()
        self.last_pages = 0  # the pages of the last PDF written, as laid out: the build records them

    def use_cache(self, cache: PartCache | None) -> None:
        """Keep parts in ``cache`` between builds (None: only while one plan is being published)."""
        self.cache = cache

    def clear(self) -> None:
        """Forget the parts written (the build calls it after each group of outputs)."""
        self._plan, self._parts = None, {}

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
        return self._assemble(plan, self._plan_parts(plan, lang), f"plan-{lang.value}")

    def fiche(self, plan: Plan, action: Action, lang: Lang) -> bytes:
        """The fiche action annex of one action."""
        return self._assemble(plan, [self._fiche_part(plan, action, lang)], f"fiche-{action.code}-{lang.value}")

    def bundle(self, plan: Plan, acteur: str, lang: Lang) -> bytes:
        """Every fiche of the actions that an acteur pilots or partners: a title page listing each fiche
        with the acteur's role in it and its page, then the fiches, numbered through."""
        edition = context.edition(plan, lang)
        actions = plan.actions_of(acteur)
        views = {a.code: a for a in edition.actions}
        name = context.acteur_name(plan, acteur, lang, full=True)
        fiches = [self._fiche_part(plan, action, lang) for action in actions]
        counts = [self._pages(part) for part in fiches]

        def cover(cover_pages: int) -> assemble.Part:
            starts = [cover_pages + 1 + sum(counts[:n]) for n in range(len(fiches))]
            entries = [(entry, views[entry.code], start)
                       for entry, start in zip(context.bundle_entries(plan, acteur, lang), starts)]
            return self._part(plan, lang, ("bundle", acteur, lang, cover_pages), "bundle.html", scope="bundle",
                              actions=[entry[1] for entry in entries], entries=entries, acteur=name)
        return self._assemble(plan, [self._settled(plan, 1, cover), *fiches], f"fiches-{acteur}-{lang.value}")

    def changes(self, plan: Plan, lang: Lang) -> bytes:
        """The tableau des modifications against ``plan.previous``, as a document of its own."""
        part = self._part(plan, lang, ("changes", lang), "changes.html")
        return self._assemble(plan, [part], f"modifications-{lang.value}")

    def bilingual(self, plan: Plan) -> bytes:
        """One volume, as :class:`publisher.render.context.JointTitle` sets it out for both formats: the
        joint title page, its verso blank but for the footer, the French edition from page 3, then the
        Arabic edition from a right-hand (odd) page, numbered through; each edition's sommaire and links
        lead into its own part."""
        joint = context.joint_title(plan)
        blank = assemble.Part(assemble.blank_page(self._portrait(plan)), "blank", Lang.FR.value, pages=1)
        parts, pages = [self._volume_title(plan), blank], 2
        french = self._plan_parts(plan, Lang.FR, offset=pages)
        parts += french
        pages += sum(self._pages(part) for part in french)
        if pages % 2:  # the Arabic part starts on an odd page: a verso left blank but for its footer
            parts.append(blank)
            pages += 1
        arabic = self._plan_parts(plan, Lang.AR, offset=pages)
        parts = [part if part.scope in ("volume", "blank") else replace(part, group=label("edition_langue", Lang(part.lang)))
                 for part in (*parts, *arabic)]
        metadata = assemble.Metadata(
            lang=Lang.FR.value, direction="/L2R", title=joint.title, subject=joint.subject,
            titles=tuple((lang.value, context.edition(plan, lang).document_title) for lang in joint.langs),
            subjects=tuple((lang.value, context.edition(plan, lang).document_subject) for lang in joint.langs))
        return self._assemble(plan, parts, "plan-bilingue", metadata)

    # --- parts ---------------------------------------------------------------------------------

    def _cached(self, plan: Plan, key: tuple, make):
        if plan is not self._plan:
            self._plan, self._parts = plan, {}
        if key not in self._parts:
            self._parts[key] = make()
        return self._parts[key]

    def _part(self, plan: Plan, lang: Lang, key: tuple, template: str, numbered: tuple[bool, ...] = (),
              scope: str | None = None, level: int = 1, **values) -> assemble.Part:
        """A part: one template laid out and written alone, without footers (kept for this plan, and
        between builds in the cache)."""
        if "part_name" in values:  # the template's ``part`` (the name ``part`` is this method's)
            values["part"] = values.pop("part_name")

        def make():
            html = self.html(plan, lang, template, **values)
            name = "-".join(str(k.value if isinstance(k, Lang) else k) for k in key)
            data, pages = self._written(plan, lang, html, template, name)
            return assemble.Part(data, scope or lang.value, lang.value, numbered=numbered, level=level, pages=pages)
        return self._cached(plan, key, make)

    def _fiche_part(self, plan: Plan, action: Action, lang: Lang, level: int = 1) -> assemble.Part:
        view = context.action_view(plan, action, lang)
        part = self._part(plan, lang, ("fiche", action.code, lang), "fiche.html", scope=f"fiche-{action.code}", a=view)
        return replace(part, level=level)

    @staticmethod
    def _pages(part: assemble.Part) -> int:
        return part.pages or assemble.page_count(part.data)

    def _plan_parts(self, plan: Plan, lang: Lang, offset: int = 0) -> list[assemble.Part]:
        """The parts of an edition's plan document: the cover and sommaire, the narrative sections, the
        canevas (a part per objectif général, each opening a page: a budget changed reflows the pages of its
        objective, of the last of its priority, which end with the priority's total, and of the plan's last,
        which end with the plan's), the summaries (the budgets, then the échéances on a page of their own: a
        budget changed leaves them), the annexes' heading then each fiche (the annex files' own parts), the
        historique, the validation page.

        The parts after the sommaire are laid out first; the sommaire then prints the page of each of
        their anchors, counted from ``offset`` (the pages before this edition in its volume). Should its
        own page count differ from the one assumed, it is laid out again with the right numbers.
        """
        edition = context.edition(plan, lang)
        body = [self._part(plan, lang, ("narrative", lang), "plan.html", part_name="narrative")
                ] if edition.sections else []
        body += [self._part(plan, lang, ("canevas", og.code, lang), "plan.html", part_name="canevas",
                            priorite=index, objectif=number,  # its first heading: Canevas, its priority or its own
                            level=1 if index == number == 0 else 2 if number == 0 else 3)
                 for index, p in enumerate(plan.priorites) for number, og in enumerate(p.objectifs_generaux)] or [
                 self._part(plan, lang, ("canevas", lang), "plan.html", part_name="canevas")]
        body += [self._part(plan, lang, (name, lang), "plan.html", part_name=name, level=level)
                 for name, level in (("synthese", 1), ("echeances", 2), ("annexes", 1))]
        body += [self._fiche_part(plan, action, lang, level=2) for action in plan.actions]
        body.append(self._part(plan, lang, ("historique", lang), "plan.html", part_name="historique"))
        if edition.signataires:
            body.append(self._part(plan, lang, ("validation", lang), "plan.html", part_name="validation"))
        where, start = {}, 0
        for part in body:
            if part.scope == lang.value:
                found = self._cached(plan, ("anchors", id(part.data)), lambda: assemble.anchors(part.data))
                where.update({anchor: start + index for anchor, index in found.items()})
            start += self._pages(part)

        def front(front_pages: int) -> assemble.Part:
            numbers = {anchor: offset + front_pages + index + 1 for anchor, index in where.items()}
            return self._part(plan, lang, ("front", lang, offset, front_pages), "plan.html", part_name="front",
                              pages=numbers, numbered=(False,) + (True,) * 20)
        return [self._settled(plan, 2, front), *body]

    def _settled(self, plan: Plan, pages: int, make) -> assemble.Part:
        """A part that prints the pages of those after it (a sommaire, a bundle's cover), so that its own
        length shifts them: ``make(pages)`` laid out with its length guessed, then again with the length
        it took, until the two agree (a pass or two)."""
        for _ in range(3):
            part = make(pages)
            count = self._pages(part)
            if count == pages:
                break
            pages = count
        return part

    def _volume_title(self, plan: Plan) -> assemble.Part:
        """The joint title page of the bilingual volume (:func:`publisher.render.context.joint_title`, as
        the DOCX's), each edition's lines in its own face."""
        def make():
            joint = context.joint_title(plan)
            blocks = [{"lang": b.lang.value, "dir": b.dir,
                       **{name: fonts.drawable(getattr(b, name), b.lang) for name in ("title", "territory", "periode_line", "version")}}
                      for b in joint.blocks]
            french = context.edition(plan, Lang.FR)  # the volume opens in French: its properties' edition
            html = environment().get_template("shared/volume.html").render(
                editions=blocks, title=joint.title, subject=joint.subject, e=french, L=french.labels)
            data, pages = self._written(plan, Lang.FR, html, "volume.html", "volume")
            return assemble.Part(data, "volume", Lang.FR.value, numbered=(False,), pages=pages)
        return self._cached(plan, ("volume",), make)

    @staticmethod
    def _portrait(plan: Plan) -> tuple[float, float]:
        """The size of a portrait page of the plan's house style, in points."""
        return tuple(mm * 72 / 25.4 for mm in plan.charte.page_size)

    # --- layout and writing ----------------------------------------------------------------------

    def _layout(self, plan: Plan, lang: Lang, html: str, template: str, extra: str = ""):
        generated, stylesheets = {}, list(_stylesheets(plan.charte.css()))
        if context.edition(plan, lang).draft and template != "footers.html":
            drawn = watermark.svg(lang, plan.charte.watermark)
            # named by its content: WeasyPrint's image cache, shared by the renders of a process, keys on the URL
            name = f"watermark-{lang.value}-{hashlib.sha256(drawn).hexdigest()[:16]}.svg"
            generated[name] = drawn
            side = watermark.side_of(lang, plan.charte.watermark)
            stylesheets.append(CSS(string=f'@page {{ background: url("file://{GENERATED_PATH}{name}") no-repeat center '
                                          f'/ {side:.3f}pt {side:.3f}pt; }}', font_config=_font_config()))
        if extra:
            stylesheets.append(_extra_css(extra))
        fetcher = PlanFetcher((TEMPLATES, *fonts.font_dirs()), plan.assets, generated)
        try:
            with _collecting(self.warnings):
                document = HTML(string=html, base_url=PLAN_BASE, url_fetcher=fetcher)
                return document.render(
                    stylesheets=stylesheets, font_config=_font_config(), pdf_tags=True, cache=_image_cache()
                )
        except FatalURLFetchingError as exc:
            raise RenderError(f"{template} : {exc}") from None

    def _write(self, plan: Plan, document, key: str, lang: Lang) -> bytes:
        """The PDF bytes of one laid-out document (a part), finished: PDF/A-3a, PDF/UA-1, exact text."""
        identifier = hashlib.sha256(f"{context.plan_stem(plan)}/{key}".encode()).hexdigest()[:32].encode()
        try:
            with _collecting(self.warnings), pdftext.exact_text():
                return document.write_pdf(
                    pdf_identifier=identifier,
                    pdf_variant="pdf/a-3a",
                    pdf_tags=True,
                    custom_metadata=True,
                    finisher=pdfpost.Finisher(((len(document.pages), lang.value),)),
                )
        except FatalURLFetchingError as exc:
            raise RenderError(f"{key} : {exc}") from None

    def _footers(self, plan: Plan, lang: Lang, pages: list[tuple[bool, str]], key: str) -> bytes:
        """The footers of the numbered pages of one language of a document, one page each (see footers.html)."""
        edition = context.edition(plan, lang)
        html = environment().get_template("shared/footers.html").render(e=edition, pages=pages)
        return self._written(plan, lang, fonts.drawable(html, lang), "footers.html", f"footers-{key}-{lang.value}")[0]

    def _written(self, plan: Plan, lang: Lang, html: str, template: str, name: str) -> tuple[bytes, int]:
        """The PDF of one HTML document and its page count (0 if the cache did not record it), from the cache
        when it holds exactly this, else laid out and written."""
        images = self._image_hashes(plan)
        key = part_key(engine_fingerprint(), plan.charte.css(), context.plan_stem(plan), name, template, lang.value,
                       str(context.edition(plan, lang).draft), html,
                       *(digest for url, digest in images.items() if url in html))
        kept = self.cache.get(key) if self.cache else None
        if kept is not None:
            data, warnings, pages = kept
            self.warnings.extend(w for w in warnings if w not in self.warnings)
            return data, pages or 0
        self.laid_out.append(name)
        warnings: list[str] = []
        with _collecting(warnings):
            if template == "footers.html":
                document = self._layout(plan, lang, html, template, extra=FOOTERS_CSS)
                with pdftext.exact_text():
                    data = document.write_pdf(finisher=lambda doc, pdf: pdftext.finish_fonts(doc, pdf))
            else:
                document = self._layout(plan, lang, html, template)
                data = self._write(plan, document, name, lang)
        self.warnings.extend(w for w in warnings if w not in self.warnings)
        if self.cache:
            self.cache.put(key, data, warnings, name, len(document.pages))
        return data, len(document.pages)

    def _image_hashes(self, plan: Plan) -> dict[str, str]:
        """The SHA-256 of the bytes of each image of the plan, by the URL the HTML names it with."""
        return self._cached(plan, ("images",), lambda: {asset_url(name): hashlib.sha256(data).hexdigest()
                                                        for name, data in sorted(plan.assets.items())})

    def _assemble(self, plan: Plan, parts: list, key: str, metadata: assemble.Metadata | None = None) -> bytes:
        """The parts merged into one PDF, the footers drawn over its numbered pages, numbered through."""
        lang = parts[0].lang
        metadata = metadata or assemble.Metadata(lang=lang, direction="/R2L" if lang == Lang.AR.value else "/L2R")
        merged, layout = assemble.merge(parts, metadata)
        total = len(layout.sizes)
        for language in dict.fromkeys(layout.langs):
            indexes = [n for n in range(total) if layout.numbered[n] and layout.langs[n] == language]
            if not indexes:
                continue
            edition = context.edition(plan, Lang(language))
            pages = [(layout.sizes[n][0] > layout.sizes[n][1], edition.footer(n + 1, total)) for n in indexes]
            assemble.overlay(merged, self._footers(plan, Lang(language), pages, key), indexes)
        assemble.share_fonts(merged, _font_programs())
        self.last_pages = total
        return assemble.save(merged)


@lru_cache(maxsize=1)
def _font_programs() -> dict[str, bytes]:
    """The font files of the chosen faces by PostScript name, for the assembly to share one subset per face."""
    programs = {}
    for family in fonts.FAMILIES.values():
        for face in fonts.faces(family):
            data = face.path.read_bytes()
            if name := assemble.postscript_name(data):
                programs[name] = data
    return programs


@lru_cache(maxsize=8)
def _extra_css(text: str) -> CSS:
    return CSS(string=text, font_config=_font_config())


@lru_cache(maxsize=None)
def _image_cache() -> dict:
    return {}
