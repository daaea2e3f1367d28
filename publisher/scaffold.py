"""``publisher new``: a new plan folder from the example plan, ready to fill.

The example (``content/``) is copied whole; its plan.yaml becomes a draft (``statut: projet``, no
validation block), edited through ruamel.yaml's round trip so that its comments and layout stay.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ruamel.yaml import YAML

from . import resources
from .errors import UsageError

EXAMPLE = resources.EXAMPLE


def new_plan(folder: Path | str) -> Path:
    """Create ``folder`` from the example plan; refuse a folder that already holds something."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} est un fichier : choisissez un nouveau dossier")
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{folder} existe déjà et n'est pas vide : choisissez un nouveau dossier")
    if not (EXAMPLE / "plan.yaml").is_file():
        raise UsageError(f"plan d'exemple introuvable ({EXAMPLE})")
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.preserve_quotes = True
    path = folder / "plan.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["statut"] = "projet"
    data.pop("validation", None)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return folder
