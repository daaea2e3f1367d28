"""Markdown -> the neutral block tree both renderers print (publisher/markdown.py)."""

from __future__ import annotations

import pytest

from publisher.markdown import Heading, Image, ListBlock, Paragraph, Span, Table, parse, plain_text


def test_headings_paragraphs_and_emphasis() -> None:
    document = parse("# Contexte\n\nLa **province** compte *trois* cercles et `12` communes.\n\n## Données\n")
    assert document.title == "Contexte"
    assert [type(block) for block in document.blocks] == [Heading, Paragraph, Heading]
    assert [block.level for block in document.blocks if isinstance(block, Heading)] == [1, 2]
    spans = document.blocks[1].inlines
    assert Span("province", bold=True) in spans and Span("trois", italic=True) in spans
    assert Span("12", code=True) in spans
    assert plain_text(spans) == "La province compte trois cercles et 12 communes."
    assert document.body == document.blocks[1:]
    assert document.issues == ()


def test_lists_nest_and_keep_their_start() -> None:
    document = parse("3. trois\n4. quatre\n   - a\n   - b\n")
    (block,) = document.blocks
    assert isinstance(block, ListBlock) and block.ordered and block.start == 3
    assert [plain_text(item[0].inlines) for item in block.items] == ["trois", "quatre"]
    inner = block.items[1][1]
    assert isinstance(inner, ListBlock) and not inner.ordered and len(inner.items) == 2


def test_tables_keep_header_and_rows() -> None:
    (table,) = parse("| Commune | Enfants |\n| --- | ---: |\n| Assafa | 1 200 |\n| Tiznit | 800 |\n").blocks
    assert isinstance(table, Table)
    assert [plain_text(cell) for cell in table.header] == ["Commune", "Enfants"]
    assert [[plain_text(cell) for cell in row] for row in table.rows] == [["Assafa", "1\u00a0200"], ["Tiznit", "800"]]


def test_links_keep_only_web_and_mail_targets() -> None:
    document = parse("[site](https://example.org) et [mail](mailto:cape@example.org) et [local](file:///etc/passwd)\n")
    hrefs = [span.href for span in document.blocks[0].inlines if isinstance(span, Span) and span.href]
    assert hrefs == ["https://example.org", "mailto:cape@example.org"]
    assert [issue.rule for issue in document.issues] == ["markdown.lien"]
    assert document.issues[0].error


@pytest.mark.parametrize("src", ["/etc/hosts.png", "https://example.org/x.png", "file:///x.png", "//serveur/x.png"])
def test_images_outside_the_plan_are_refused(src: str) -> None:
    document = parse(f"![carte]({src})\n")
    assert not any(isinstance(i, Image) for i in document.blocks[0].inlines)
    assert plain_text(document.blocks[0].inlines) == "carte"  # the alt text stays
    assert [issue.rule for issue in document.issues] == ["markdown.image"]


def test_an_image_of_the_plan_is_kept_with_its_line() -> None:
    document = parse("Texte.\n\n![Carte des communes](assets/carte%20province.png)\n")
    image = document.blocks[1].inlines[0]
    assert image == Image("assets/carte province.png", "Carte des communes")
    assert document.images == ((2, "assets/carte province.png"),)


def test_raw_html_is_printed_as_text_with_a_warning() -> None:
    document = parse("<script>alert(1)</script>\n\nun <b>gras</b>\n")
    assert plain_text(document.blocks[0].inlines) == "<script>alert(1)</script>"
    assert "<b>" in plain_text(document.blocks[1].inlines)
    assert {issue.rule for issue in document.issues} == {"markdown.html"}
    assert not any(issue.error for issue in document.issues)


def test_nesting_too_deep_is_an_error_not_a_silent_loss() -> None:
    text = "".join("  " * depth + "- niveau\n" for depth in range(40))
    issues = parse(text).issues
    assert any(issue.rule == "markdown.imbrication" and issue.error for issue in issues)


def test_neighbouring_spans_of_one_style_are_joined() -> None:
    (paragraph,) = parse("une ligne\nla suivante\n").blocks
    assert paragraph.inlines == (Span("une ligne la suivante"),)
