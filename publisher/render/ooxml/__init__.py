"""Every raw OOXML construct of the DOCX editions, as small named helpers, one module per concern.

python-docx has no API for right-to-left text, repeated header rows, vertical merges, fields,
watermarks or embedded fonts; this package holds all of that, so that the renderer
(:mod:`publisher.render.docx`) never writes a ``w:`` tag inline:

- :mod:`.schema`: namespaces, units, the schema order of properties, :func:`child`;
- :mod:`.props`: setters on existing paragraphs and runs (fonts, sizes, spacing, borders...);
- :mod:`.bidi`: right to left (paragraphs, runs, tables, directional runs of mixed text);
- :mod:`.blocks`: factories of runs, paragraphs, fields, tables, sections, the sommaire, the watermark;
- :mod:`.numbering`: list definitions (bullets and numbers, right-to-left markers);
- :mod:`.package`: passes over the saved package (embedded fonts, settings, deterministic zip);
- :mod:`.merge`: one volume of two documents (the bilingual edition);
- :mod:`.template`: templates as an office saves them, normalised before rendering.

Callers use the names re-exported here (``ooxml.paragraph``, ``ooxml.set_bidi``...).

References: ECMA-376 Part 1 (17.3 paragraphs and runs, 17.4 tables, 17.6 sections, 17.8.1 embedded
fonts, 17.16 fields) and ``shared/rtl-notes.md`` for the traps of Word and LibreOffice.
"""

from __future__ import annotations

from .schema import (
    W, R, V, O, W10, PR, CT, REL_FONT, OBFUSCATED_FONT, TWIPS_PER_MM, mm, PPR_ORDER, RPR_ORDER,
    TBLPR_ORDER, TRPR_ORDER, TCPR_ORDER, SECTPR_ORDER, LVL_ORDER, STYLE_ORDER, FONT_ORDER,
    SETTINGS_ORDER, element_of, schema_ranks, child, properties_of, ppr, rpr, paragraph_style,
)
from .props import (
    set_fonts, set_cs_font, set_size, set_bold, set_italic, set_lang, set_color, set_caps,
    set_spacing, set_indent, set_justification, keep_with_next, page_break_before, outline_level,
    border, shade, set_numbering,
)
from .bidi import (
    set_bidi, has_bidi, set_rtl, directional_segments, mark_rtl_runs, bidi_everywhere,
    set_table_bidi_visual,
)
from .blocks import (
    text_element, run, paragraph, hyperlink, internal_link, picture_run, field, bookmark,
    bookmark_range, max_bookmark_id, cell, table_row, table, set_column_widths, cell_like,
    append_column, repeat_header, cant_split, allow_split, is_header_row, keep_row_with_next,
    merge_vertical, grid_span, order_cell_properties, ensure_cell_paragraph, ensure_cell_paragraphs,
    A4, page_setup, set_page, is_landscape, set_section_start, continue_page_numbers, section_break,
    story_references, set_story_references, title_page, end_section_with,
    starts_page, header_copy, renumber_watermarks, TOC_INSTRUCTION, is_toc_paragraph,
    toc_instruction, fill_toc, scope_toc, drawable_bullets, watermark, fragment,
)
from .numbering import (
    numbering_level, centre_rtl_markers, abstract_numbering, numbering_instance, abstract_of,
    add_numbering_instance,
)
from .package import (
    font_key, obfuscate_font, embed_fonts, xml_bytes, update_fields_on_open, zip_parts,
    deterministic_zip,
)
from .merge import (
    append_document,
)
from .template import (
    normalize_template,
)
