"""Markdown -> one neutral block tree, which each format renders in its own way.

Parsed by markdown-it-py (CommonMark and tables). Raw HTML is never rendered: it comes out as the
literal text it is, with a warning. Links keep only ``http:``, ``https:`` and ``mailto:`` targets,
and are never fetched; images keep only relative paths, which the checker confines to the plan
folder. Everything else becomes plain text and a located issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Union

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .i18n import keep_digit_groups
from .names import asset_key

LINK_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Span:
    """A run of inline text with its emphasis and, for a link, its target."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Image:
    """An inline image: the key of a file of the plan (:func:`publisher.names.asset_key`), decoded."""

    src: str
    alt: str


Inline = Union[Span, Image]


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is the section title, 2 and below its sub-headings."""

    level: int
    inlines: tuple[Inline, ...]

    @property
    def text(self) -> str:
        """The heading's plain text."""
        return plain_text(self.inlines)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline content."""

    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list; each item is a tuple of blocks."""

    ordered: bool
    items: tuple[tuple["Block", ...], ...]
    start: int = 1


@dataclass(frozen=True)
class Table:
    """A table: a header row and body rows of cells, each cell a tuple of inlines."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]


Block = Union[Heading, Paragraph, ListBlock, Table]


@dataclass(frozen=True)
class Issue:
    """A problem found in Markdown, at a 0-based line offset from the text's first line."""

    line: int
    message: str
    rule: str
    error: bool = False


@dataclass(frozen=True)
class Document:
    """A parsed Markdown text: its blocks, its images and its issues."""

    blocks: tuple[Block, ...]
    issues: tuple[Issue, ...] = ()
    images: tuple[tuple[int, str], ...] = field(default=())

    @property
    def title(self) -> str | None:
        """The text of a leading level-1 heading, if any."""
        if self.blocks and isinstance(self.blocks[0], Heading) and self.blocks[0].level == 1:
            return self.blocks[0].text
        return None

    @property
    def body(self) -> tuple[Block, ...]:
        """The blocks without the leading level-1 heading."""
        return self.blocks[1:] if self.title is not None else self.blocks


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The text of inline content, images by their alt text."""
    return "".join(i.text if isinstance(i, Span) else i.alt for i in inlines)


def headings(blocks: tuple[Block, ...]) -> list[Heading]:
    """Every heading of a block tree in reading order, those inside list items included."""
    found: list[Heading] = []
    for block in blocks:
        if isinstance(block, Heading):
            found.append(block)
        elif isinstance(block, ListBlock):
            for item in block.items:
                found.extend(headings(item))
    return found


def heading_ranks(blocks: tuple[Block, ...]) -> dict[int, int]:
    """The rank of each Markdown heading level used in ``blocks``: 0 for the highest, then 1, 2...

    Both formats print a text's headings by rank, never by their written level, so that none is
    skipped ("# A" then "### B" print as a level and the level below it; PDF/UA-1, 7.4.2), and the
    sommaire lists the same ones in the PDF and the DOCX.
    """
    return {level: rank for rank, level in enumerate(sorted({h.level for h in headings(blocks)}))}


MAX_NESTING = 20  # lists and quotes inside each other; markdown-it skips what lies deeper


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False, "maxNesting": MAX_NESTING})
    md.enable("table")
    md.validateLink = lambda url: True  # every target is judged here, not silently dropped
    tokenize = md.block.tokenize

    def tokenize_noting_skips(state, start, end, *args, **kwargs):
        # markdown-it drops the rest of a container nested beyond maxNesting without a word: note where.
        if state.level >= MAX_NESTING:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                state.env.setdefault("skipped", []).append(line)
        return tokenize(state, start, end, *args, **kwargs)

    md.block.tokenize = tokenize_noting_skips
    return md


@lru_cache(maxsize=4096)
def parse(text: str) -> Document:
    """Parse Markdown into the neutral tree; the result is cached (texts are immutable)."""
    env: dict = {}
    tokens = _parser().parse(text or "", env)
    builder = _Builder()
    blocks = builder.blocks(tokens, 0, len(tokens))[0]
    if env.get("skipped"):
        message = ("listes ou citations imbriquées trop profondément : "
                   "la suite de ce bloc ne serait pas imprimée")
        builder.issues.append(Issue(min(env["skipped"]), message, "markdown.imbrication", error=True))
    return Document(tuple(blocks), tuple(builder.issues), tuple(builder.images))


_TAG = re.compile(r"<[^>]*>")


class _Builder:
    """Walks markdown-it's flat token stream into nested blocks."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.images: list[tuple[int, str]] = []
        self.line = 0

    def blocks(self, tokens: list[Token], i: int, end: int, close: str | None = None):
        out: list[Block] = []
        while i < end:
            tok = tokens[i]
            if tok.map:
                self.line = tok.map[0]
            if close and tok.type == close:
                return out, i + 1
            if tok.type == "heading_open":
                out.append(Heading(int(tok.tag[1]), self.inlines(tokens[i + 1])))
                i += 3
            elif tok.type == "paragraph_open":
                out.append(Paragraph(self.inlines(tokens[i + 1])))
                i += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                ordered = tok.type == "ordered_list_open"
                start = int(tok.attrs.get("start", 1) or 1) if ordered else 1
                items, i = self._list(tokens, i + 1, end, tok.type.replace("_open", "_close"))
                out.append(ListBlock(ordered, tuple(items), start))
            elif tok.type == "table_open":
                table, i = self._table(tokens, i + 1, end)
                out.append(table)
            elif tok.type == "html_block":
                self._html(tok.content)
                out.append(Paragraph((Span(tok.content.strip()),)))
                i += 1
            elif tok.type in ("fence", "code_block"):
                out.append(Paragraph((Span(tok.content.rstrip("\n"), code=True),)))
                i += 1
            elif tok.type == "blockquote_open":
                inner, i = self.blocks(tokens, i + 1, end, "blockquote_close")
                out.extend(inner)
            elif tok.type == "hr":
                i += 1
            else:
                i += 1
        return out, i

    def _list(self, tokens, i, end, close):
        items = []
        while i < end and tokens[i].type != close:
            if tokens[i].type == "list_item_open":
                inner, i = self.blocks(tokens, i + 1, end, "list_item_close")
                items.append(tuple(inner))
            else:
                i += 1
        return items, i + 1

    def _table(self, tokens, i, end):
        header, rows, row = [], [], None
        in_head = False
        while i < end and tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                row = []
            elif tok.type == "tr_close":
                (header if in_head else rows).append(tuple(row))
            elif tok.type == "inline":
                row.append(self.inlines(tok))
            i += 1
        return Table(header[0] if header else (), tuple(rows)), i + 1

    def _html(self, content: str) -> None:
        self.issues.append(
            Issue(self.line, f"HTML brut non interprété, affiché tel quel : {content.strip()[:60]}", "markdown.html")
        )

    def inlines(self, inline: Token) -> tuple[Inline, ...]:
        out: list[Inline] = []
        bold = italic = 0
        href: str | None = None
        for tok in inline.children or []:
            kind = tok.type
            if kind == "text":
                out.append(Span(keep_digit_groups(tok.content), bool(bold), bool(italic), href=href))
            elif kind == "code_inline":
                out.append(Span(tok.content, bool(bold), bool(italic), code=True, href=href))
            elif kind == "softbreak":
                out.append(Span(" ", bool(bold), bool(italic), href=href))
            elif kind == "hardbreak":
                out.append(Span("\n", bool(bold), bool(italic), href=href))
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "link_open":
                target = str(tok.attrs.get("href", ""))
                if target.lower().startswith(LINK_SCHEMES):
                    href = target
                else:
                    self.issues.append(
                        Issue(self.line, f"lien refusé « {target[:80]} » : seuls http(s): et mailto: sont admis",
                              "markdown.lien", error=True)
                    )
            elif kind == "link_close":
                href = None
            elif kind == "image":
                src = str(tok.attrs.get("src", ""))
                alt = "".join(c.content for c in tok.children or [])
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|^\\", src):
                    self.issues.append(
                        Issue(self.line, f"image refusée « {src[:80]} » : seule une image du dossier du plan est admise",
                              "markdown.image", error=True)
                    )
                    out.append(Span(alt, bool(bold), bool(italic)))
                else:
                    key = asset_key(src, url=True)  # the file the renderers will look up, as check sees it
                    self.images.append((self.line, key))
                    out.append(Image(key, alt))
            elif kind == "html_inline":
                self._html(tok.content)
                out.append(Span(tok.content, bool(bold), bool(italic), href=href))
        return tuple(_merge(out))


def _merge(inlines: list[Inline]) -> list[Inline]:
    """Join neighbouring spans of the same style, so that renderers write fewer runs."""
    merged: list[Inline] = []
    for item in inlines:
        last = merged[-1] if merged else None
        if (
            isinstance(item, Span)
            and isinstance(last, Span)
            and (last.bold, last.italic, last.code, last.href) == (item.bold, item.italic, item.code, item.href)
        ):
            merged[-1] = Span(last.text + item.text, last.bold, last.italic, last.code, last.href)
        else:
            merged.append(item)
    return merged
