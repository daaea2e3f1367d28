"""Where the files that ship with the engine are: the templates, the house style and the example plan.

The source tree keeps them in top-level folders beside the package (``templates/``, ``content/``);
the wheel carries the same folders as package data, inside the package (``publisher/templates``,
``publisher/content``: ``[tool.setuptools.package-dir]`` in pyproject.toml maps one onto the
other; a new folder is added there and here). Every module reaches
them through this one, never by climbing from its own file: an installed package reads its package
data with :mod:`importlib.resources`; a source checkout (which an editable install and the tests
import) reads the top-level folders of the checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = Path(str(files(__package__)))  # a wheel installs as files: its resources are real paths


def folder(name: str) -> Path:
    """The bundled folder ``name``: the package data of an installed wheel, else the checkout's own."""
    installed = PACKAGE / name
    checkout = PACKAGE.parent
    if not installed.is_dir() and (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return installed


TEMPLATES = folder("templates")  # fr/ and ar/: the HTML and DOCX templates; shared/: HTML parts and stylesheets
ASSETS = folder("assets")  # the house style, charte.toml (publisher/charte.py)
EXAMPLE = folder("content")  # the example plan, which ``publisher new`` copies
