"""What the renderers will meet: the images and logos they draw (opened here, within pixel and byte
budgets), the Markdown they parse, control characters no document can hold, and characters the
embedded typefaces lack (:mod:`publisher.fonts`)."""

from __future__ import annotations

import re

from .. import fonts, markdown
from ..errors import Location, PublisherError, Severity
from ..load import inside, read_asset
from ..model import Lang, Plan, describe
from ..names import controls
from .registry import Rule, rule
from .run import Run, at_offset, walk_texts

ERROR, WARNING = Severity.ERROR, Severity.WARNING

TEXTE_CONTROLE = rule("texte.controle", ERROR, "a control character in a text (`\\x01`, `\\uFFFF`; tab and line "
                      "breaks are allowed)")
POLICE_CARACTERE = rule("police.caractere", WARNING, "a character the edition's typeface lacks (Lato for French, "
                        "Amiri for Arabic; codes and names need both): the PDF prints `?` in its place, never a "
                        "font of the machine")
# reported by publisher.markdown, and here for images
rule("markdown.html", WARNING, "raw HTML in Markdown (printed literally)")
rule("markdown.lien", ERROR, "a link that is not http(s) or mailto")
MARKDOWN_IMAGE = rule("markdown.image", ERROR, "an image outside the plan folder, missing, or with an unusable path")
rule("markdown.imbrication", ERROR, "lists or quotes nested deeper than the Markdown parser keeps (the rest of the "
     "block would be lost)")
LOGO_CHEMIN = rule("logo.chemin", ERROR, "a logo outside the plan folder, missing, or with an unusable path")
FICHIER_HORS_PLAN = rule("fichier.hors_plan", ERROR, "a file the engine would read (plan.yaml, a narrative file or "
                         "folder, an image, a logo, charte.toml) that leads outside the plan folder through a "
                         "symbolic link: never read")
IMAGE_INVALIDE = rule("image.invalide", ERROR, "an image or logo that is not the PNG, JPEG or SVG its extension says")
IMAGE_TROP_GRANDE = rule("image.trop_grande", ERROR, "an image or logo above 50 megapixels or 20 MB")
# reported by publisher.charte, on the plan's charte.toml
rule("charte.syntaxe", ERROR, "the plan's `charte.toml` is not TOML")
rule("charte.cle", ERROR, "a key of the plan's `charte.toml` that the house style does not have, or one a plan may "
     "not change (`polices`, `canevas.colonnes`, `fiche.lignes`)")
rule("charte.couleur", ERROR, "a colour of the plan's `charte.toml` that is not `#rrggbb`")
rule("charte.valeur", ERROR, "a size, margin or width of the plan's `charte.toml` that is not a positive number, "
     "an alignment other than `debut`, `centre`, `fin`, a watermark opacity outside 0-1 or angle outside -360-360")

MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 50_000_000  # a decompression bomb is a small file with a huge image
_IMAGE_KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
# An SVG is a document: entities can expand without bound, and a reference to another file would be
# refused by the PDF's fetcher in the middle of a build. Internal references (#id) and data: URLs are fine.
_SVG_OUTSIDE = re.compile(rb"<!ENTITY|(?:href|src)\s*=\s*[\"'](?!\s*(?:#|data:))|url\(\s*[\"']?(?!\s*(?:#|data:))|@import",
                          re.IGNORECASE)
_PRINTED_IN_BOTH = ("code", "nom", "sigle")  # plain strings printed as they are in both editions


# -- characters


def characters(run: Run) -> None:
    """Control characters no document can hold, and characters the edition's typeface lacks."""
    for path, text in run.strings:
        if text.isascii() and text.isprintable():
            continue  # the common case: nothing to find, no location to compute
        problems = _text_characters(text, _faces_of(path))
        if problems:
            origin, code = run.raw.where(path), run.raw.code_at(path)
            for offset, message, found in problems:
                run.add(at_offset(origin, offset), code, message, found)
    for texts in run.raw.narratives.values():
        for lang, source in texts.items():
            if source is not None:
                for offset, message, found in _text_characters(source.text, (Lang(lang),)):
                    run.add(at_offset(source.location, offset), "-", message, found)


def _text_characters(text: str, langs: tuple[Lang, ...]) -> list[tuple[int, str, Rule]]:
    out = []
    for char in controls(text):
        offset = text.count("\n", 0, text.index(char))
        out.append((offset, f"caractère de contrôle U+{ord(char):04X} dans le texte : à retirer", TEXTE_CONTROLE))
    for lang in langs:
        lacking = [c for c in fonts.missing(text, lang) if not controls(c)]
        if not lacking:
            continue
        offset = text.count("\n", 0, text.index(lacking[0]))
        shown = ", ".join(f"« {c} » (U+{ord(c):04X})" for c in lacking[:5])
        out.append((offset, f"caractère(s) absent(s) de la police {fonts.family(lang)} : {shown} ; "
                    f"le PDF imprime « {fonts.REPLACEMENT} » à la place", POLICE_CARACTERE))
    return out


def _faces_of(path: tuple) -> tuple[Lang, ...]:
    """The editions a string of plan.yaml is printed in: by its language key, or both for a code or a name."""
    if path[-1:] in (("fr",), ("ar",)):
        return (Lang(path[-1]),)
    if path[-1:] and path[-1] in _PRINTED_IN_BOTH:
        return (Lang.FR, Lang.AR)
    return ()


# -- Markdown


def markdown_issues(run: Run, text: str, origin: Location, code: str) -> None:
    """The issues of a Markdown text that starts at ``origin``, and of the images it shows."""
    doc = markdown.parse(text)
    for issue in doc.issues:
        run.add(at_offset(origin, issue.line), code, issue.message, issue.rule)
    for line, src in doc.images:
        problem = _asset(run, src)
        if problem:
            loc = Location(origin.file, origin.line + line, 1)
            found = MARKDOWN_IMAGE if problem[1] == LOGO_CHEMIN.name else problem[1]
            run.add(loc, code, f"image « {src} » : {problem[0]}", found)


def markdown_fields(run: Run, plan: Plan) -> None:
    """The Markdown issues of the fiche's texts in plan.yaml."""
    for path, text, is_markdown in walk_texts(plan, ()):
        if is_markdown:
            for lang in Lang:
                if text.has(lang):
                    markdown_issues(run, text[lang], run.raw.where((*path, lang.value)), run.raw.code_at(path))


def narrative_markdown(run: Run) -> None:
    """The Markdown issues of every narrative file."""
    for texts in run.raw.narratives.values():
        for source in texts.values():
            if source is not None:
                markdown_issues(run, source.text, source.location, "-")


# -- images and logos


def logos(run: Run, plan: Plan) -> None:
    """Every logo: a readable image inside the plan folder."""
    for i, logo in enumerate(plan.logos):
        problem = _asset(run, logo)
        if problem:
            shown = run.raw.data_at(("logos", i))
            run.at(("logos", i), f"logo « {describe(shown)} » : {problem[0]}", problem[1])


def _asset(run: Run, key: str) -> tuple[str, str] | None:
    """Why a file named in the content is refused (message, rule), or None once read and kept.

    ``key`` is already what the renderers look up (:func:`publisher.names.asset_key`); the file must
    lie inside the plan folder, links followed, and be a PNG, JPEG or SVG image within the budgets.
    """
    if key in run.assets:
        return None
    if not key:
        return "chemin vide", LOGO_CHEMIN.name
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^[/\\]", key):
        return "seul un fichier du dossier du plan est admis", LOGO_CHEMIN.name
    if controls(key, allowed=""):
        return "chemin invalide (caractère de contrôle)", LOGO_CHEMIN.name
    if key == ".." or key.startswith("../"):
        return "le chemin sort du dossier du plan", LOGO_CHEMIN.name
    target = run.raw.root / key
    if not inside(run.raw.root, target):
        return "mène hors du dossier du plan (lien symbolique) : fichier non lu", FICHIER_HORS_PLAN.name
    try:
        if not target.is_file():
            return "fichier introuvable", LOGO_CHEMIN.name
        size = target.stat().st_size
    except (OSError, ValueError):  # a name too long for the disk
        return "chemin invalide", LOGO_CHEMIN.name
    if size > MAX_IMAGE_BYTES:
        return (f"image trop lourde ({size // 1_000_000} Mo, au plus {MAX_IMAGE_BYTES // 1_000_000} Mo)",
                IMAGE_TROP_GRANDE.name)
    try:
        data = read_asset(run.raw.root, key)
    except (OSError, PublisherError):
        return "fichier illisible", LOGO_CHEMIN.name
    problem = image_problem(key, data)
    if problem:
        return problem
    run.assets[key] = data
    return None


def image_problem(key: str, data: bytes) -> tuple[str, str] | None:
    """Why the bytes of an image file cannot be printed (message, rule), or None.

    The renderers choose a decoder from the file's extension: the bytes must be of that kind, and a
    raster image must stay within :data:`MAX_PIXELS`.
    """
    suffix = ("." + key.rsplit(".", 1)[-1].lower()) if "." in key.rsplit("/", 1)[-1] else ""
    kind = _IMAGE_KINDS.get(suffix)
    if kind is None:
        return "format non admis : une image PNG, JPEG ou SVG est attendue (.png, .jpg, .svg)", IMAGE_INVALIDE.name
    found = _sniff(data)
    if found is None or found[0] != kind:
        what = f"est une image {found[0]}" if found else "n'est pas une image lisible"
        return f"le fichier {what}, pas une image {kind} comme l'annonce son extension", IMAGE_INVALIDE.name
    if kind == "SVG" and _SVG_OUTSIDE.search(data):
        return ("image SVG qui déclare des entités XML ou appelle un autre fichier : seule une image SVG "
                "autonome est admise", IMAGE_INVALIDE.name)
    _, width, height = found
    if width * height > MAX_PIXELS:
        return (f"image de {width} × {height} pixels : au plus {MAX_PIXELS // 1_000_000} mégapixels",
                IMAGE_TROP_GRANDE.name)
    if kind != "SVG" and not (width and height):
        return "image sans dimensions lisibles", IMAGE_INVALIDE.name
    return None


def _sniff(data: bytes) -> tuple[str, int, int] | None:
    """The kind and pixel size of an image from its first bytes (SVG: 0 × 0, it is drawn, not decoded)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return "PNG", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG", *_jpeg_size(data)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data[:65536]:
        return "SVG", 0, 0
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's frame header (0, 0 when none is found)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return 0, 0
        marker = data[i + 1]
        if marker == 0xFF:  # padding
            i += 1
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return 0, 0
