"""The guide's rules -> a list of located diagnostics.

:func:`check` takes what :mod:`publisher.load` read, builds the model (pydantic rejects unknown keys
and wrong types) and applies every rule of the table in content-format.md, plus the safeguarding
family ``donnees.*``: a child-protection plan never publishes a child's or a family's personal data.
It collects every problem and raises nothing; the CLI decides what to do with them.

Each rule is declared once, with its name, severity and description (:mod:`.registry`), by the
module of its family:

- :mod:`.schema`: reading plan.yaml and building the model; pydantic's errors in French;
- :mod:`.rules`: the guide's rules on the model (codes, structure, actions, translations, validation);
- :mod:`.privacy`: personal data;
- :mod:`.files`: what the renderers will meet (images and logos, Markdown, characters and typefaces).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import charte
from ..errors import Diagnostic, PlanError, Severity
from ..load import RawPlan, load
from ..model import Plan, Statut
from . import schema, rules, files, privacy  # the families, in the order of the README's table
from .files import MAX_IMAGE_BYTES, MAX_PIXELS, image_problem
from .privacy import find_personal_data, searchable
from .registry import GAP, RULES, Rule, table
from .rules import starts_with_infinitive
from .run import Completeness, Run, walk_strings

__all__ = [
    "GAP", "MAX_IMAGE_BYTES", "MAX_PIXELS", "RULES", "CheckResult", "Completeness", "Rule", "check",
    "find_personal_data", "image_problem", "load_checked", "searchable", "starts_with_infinitive", "table",
]

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass
class CheckResult:
    """The model (when the plan could be read) and every diagnostic, sorted by file and line."""

    plan: Plan | None
    diagnostics: list[Diagnostic]
    completeness: Completeness

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity is ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics of severity warning."""
        return [d for d in self.diagnostics if d.severity is WARNING]


def load_checked(root: Path | str, strict: bool = False) -> CheckResult:
    """Load and check a plan folder; raise :class:`PlanError` when it cannot be published."""
    result = check(load(root))
    if result.errors or (strict and result.warnings) or result.plan is None:
        raise PlanError(result.diagnostics)
    return result


def check(raw: RawPlan) -> CheckResult:
    """Every diagnostic of a plan folder, and its model when the structure is sound."""
    run = Run(raw)
    _run(run)
    style, problems = charte.resolve(raw.charte, raw.charte_text)  # the plan's charte.toml over the house's
    run.out += problems
    plan = run.plan.model_copy(update={"charte": style}) if run.plan is not None else None
    diagnostics = sorted(set(run.out), key=lambda d: (d.sort_key, d.rule, d.message))
    return CheckResult(plan, diagnostics, run.completeness)


def _run(run: Run) -> None:
    """The families in turn: those that read the raw text, then, once the model is built, the guide's rules."""
    data = run.raw.data
    if data is None or not schema.is_mapping(run, data):
        return
    run.lenient = data.get("statut") != Statut.VALIDE.value
    run.strings = list(walk_strings(data, ()))
    privacy.scan(run, data)
    files.characters(run)
    files.narrative_markdown(run)
    plan = schema.build(run, data)
    if plan is None:
        return
    rules.apply(run, plan)
    files.markdown_fields(run, plan)
    files.logos(run, plan)
    run.plan = plan.model_copy(update={"assets": dict(run.assets)})
