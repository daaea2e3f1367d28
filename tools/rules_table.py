"""Print the README's rule table from the registry of :mod:`publisher.check`, or write it into the README.

    .venv/bin/python tools/rules_table.py            # prints the Markdown table
    .venv/bin/python tools/rules_table.py --write    # replaces the table under "### The rules `check` enforces"

``tests/test_check_registry.py`` fails when the README's table is not exactly what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

from publisher.check import table

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = "### The rules `check` enforces\n"


def readme_table(text: str) -> tuple[int, int]:
    """The start and end offsets of the table under the heading: its lines that start with ``|``."""
    start = text.index(HEADING) + len(HEADING)
    start = text.index("|", start)
    end = start
    while end < len(text) and text.startswith("|", end):
        end = text.index("\n", end) + 1
    return start, end


def main(argv: list[str]) -> None:
    """Print the table, or write it into the README with ``--write``."""
    if argv != ["--write"]:
        sys.stdout.write(table())
        return
    text = README.read_text(encoding="utf-8")
    start, end = readme_table(text)
    README.write_text(text[:start] + table() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
