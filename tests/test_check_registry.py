"""The registry of rules: every rule ``check`` can report is declared once, with the severity its
diagnostics carry, and the README's rule table is exactly what the registry prints."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import publisher
from publisher.check import RULES, check, table
from publisher.load import PLAN_FILE, load

from .conftest import PLANS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(publisher.__file__).parent
# the modules whose diagnostics check reports: reading, the model's validators, Markdown, and check itself
REPORTING = [PACKAGE / "load.py", PACKAGE / "model.py", PACKAGE / "markdown.py", PACKAGE / "charte.py", *sorted((PACKAGE / "check").glob("*.py"))]
RULE_NAME = re.compile(r"[a-z]+\.[a-z_]+")


def _reported(path: Path) -> set[str]:
    """The rule names a module reports: its string literals shaped like one (``pilote.requis``), and the
    names of the rules it declares as constants (``PILOTE_REQUIS = rule("pilote.requis", ...)``) and uses;
    the declarations themselves aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared, constants = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "rule":
            declared.add(id(node.args[0]))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "rule":
            constants[node.targets[0].id] = node.value.args[0].value
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE_NAME.fullmatch(node.value):
            if id(node) not in declared and node.value not in (PLAN_FILE, "charte.toml"):  # file names
                names.add(node.value)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in constants:
            names.add(constants[node.id])
    return names


def test_every_rule_reported_is_declared_and_every_declared_rule_is_reported():
    reported = set().union(*(_reported(path) for path in REPORTING))
    assert reported - set(RULES) == set(), "rule names reported but not declared"
    assert set(RULES) - reported == set(), "rules declared but never reported"


def test_readme_table_is_what_the_registry_prints():
    printed = subprocess.run([sys.executable, str(ROOT / "tools" / "rules_table.py")], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
    assert printed == table()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("### The rules `check` enforces\n", 1)[1].lstrip("\n").splitlines(keepends=True)
    rows = []
    for line in after:  # the table: the lines that start with |, up to the first that does not
        if not line.startswith("|"):
            break
        rows.append(line)
    in_readme = "".join(rows)
    assert in_readme == printed, "README rule table out of date: run tools/rules_table.py --write"
    assert printed.count("\n") == len(RULES) + 2


@pytest.mark.parametrize("case", sorted(p.name for p in PLANS.iterdir() if p.is_dir()))
def test_diagnostics_carry_their_rules_declared_severity(case):
    raw = load(PLANS / case)
    lenient = not (isinstance(raw.data, dict) and raw.data.get("statut") == "valide")
    for diagnostic in check(raw).diagnostics:
        assert diagnostic.rule in RULES, str(diagnostic)
        assert diagnostic.severity is RULES[diagnostic.rule].severity_in(lenient), str(diagnostic)
