"""The command line: parses arguments, calls the pipeline, maps errors to exit codes.

Exit codes (shared/publication.md): 0 clean or warnings only, 1 errors (or warnings with
``--strict``), 2 an invocation that cannot be used. Tests call :func:`main` in-process with argv.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, diff
from .build import EDITIONS, FORMATS, build, parse_list, write_changes
from .check import CheckResult, check, load_checked
from .errors import PlanError, PublisherError, UsageError
from .i18n import format_amount, format_date, territory
from .load import load
from .model import Lang
from .scaffold import new_plan

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _print_diagnostics(diagnostics) -> None:
    for diag in diagnostics:
        click.echo(str(diag))


def _summary(result: CheckResult) -> str:
    """The plan's counts, total budget and translation completeness, in French."""
    lines = []
    plan = result.plan
    if plan is not None:
        lines.append(
            f"{territory(plan, Lang.FR)}, {plan.periode.debut}-{plan.periode.fin}, "
            f"version du {format_date(plan.version, Lang.FR)} ({plan.statut.value})"
        )
        lines.append(
            f"{len(plan.priorites)} priorités, {len(plan.objectifs_generaux)} objectifs généraux, "
            f"{len(plan.objectifs_specifiques)} objectifs spécifiques, {len(plan.actions)} actions"
        )
        lines.append(f"budget total : {format_amount(plan.budget_total, Lang.FR)} MAD")
        done = result.completeness
        lines.append(
            f"traductions : français : {done.present[Lang.FR]}/{done.total} textes, "
            f"arabe : {done.present[Lang.AR]}/{done.total} textes"
        )
    lines.append(f"{len(result.errors)} erreur(s), {len(result.warnings)} avertissement(s)")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
def cli() -> None:
    """Publie les plans d'action provinciaux de protection de l'enfance (DOCX et PDF, français et arabe)."""


@cli.command("check")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Les avertissements comptent comme des erreurs.")
def check_command(plan: Path, strict: bool) -> int:
    """Vérifie un dossier de plan et affiche chaque problème, localisé."""
    result = check(load(plan))
    _print_diagnostics(result.diagnostics)
    click.echo(_summary(result))
    failed = result.errors or (strict and result.warnings)
    return EXIT_ERRORS if failed else EXIT_OK


@cli.command("build")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Dossier de sortie (défaut : build/<plan>).")
@click.option("--edition", "editions", help="Éditions à produire, parmi fr,ar,bilingue (défaut : toutes).")
@click.option("--format", "formats", help="Formats à produire, parmi docx,pdf (défaut : tous).")
@click.option("--depuis", "since", type=click.Path(path_type=Path),
              help="Version précédente du plan : ajoute le tableau des modifications.")
@click.option("--strict", is_flag=True, help="Les avertissements comptent comme des erreurs.")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), help="Processus en parallèle (défaut : un par cœur).")
def build_command(plan, out, editions, formats, since, strict, workers) -> int:
    """Vérifie le plan puis publie ses éditions (DOCX, PDF), les fiches action et les dossiers par acteur."""
    if since is not None and not Path(since).is_dir():
        raise UsageError(f"{since} : dossier de la version précédente introuvable")
    options = dict(
        editions=parse_list(editions, EDITIONS, "édition"),
        formats=parse_list(formats, FORMATS, "format"),
        strict=strict,
        since=since,
        workers=workers,
    )
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("publication", total=None)
            report = build(plan, out, progress=lambda done, total, _: bar.update(task, completed=done, total=total),
                           **options)
    else:
        report = build(plan, out, **options)
    _print_diagnostics(report.check.diagnostics)
    for warning in report.warnings:
        click.echo(warning)
    click.echo(
        f"{len(report.written)} fichier(s) écrit(s), {len(report.unchanged)} inchangé(s)"
        + (f", {len(report.removed)} retiré(s)" if report.removed else "")
        + f" dans {report.out} : {report.pages} pages PDF, {report.bytes / 1_000_000:.1f} Mo, {report.seconds:.1f} s"
    )
    return EXIT_OK


@cli.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Dossier où écrire le tableau des modifications en DOCX et en PDF (fr et ar).")
def diff_command(old: Path, new: Path, out: Path | None) -> int:
    """Affiche le tableau des modifications entre deux versions d'un plan."""
    before, after = load_checked(old).plan, load_checked(new).plan
    changes = diff.compare(before, after)
    rows = diff.table_rows(changes, Lang.FR)
    head = diff.header(Lang.FR)
    click.echo(f"Tableau des modifications, de la version du {format_date(before.version, Lang.FR)} "
               f"à la version du {format_date(after.version, Lang.FR)}")
    if before.version == after.version:
        click.echo("attention : les deux dossiers portent la même date de version")
    click.echo(" | ".join(head))
    for row in rows:
        click.echo(" | ".join(cell or "-" for cell in row))
    click.echo(f"{len(changes)} modification(s)")
    if out is not None:
        written = write_changes(after.model_copy(update={"previous": before}), out)
        click.echo(f"{len(written)} fichier(s) écrit(s) dans {out}")
    return EXIT_OK


@cli.command("new")
@click.argument("folder", type=click.Path(path_type=Path))
def new_command(folder: Path) -> int:
    """Crée un nouveau dossier de plan à partir de l'exemple, prêt à remplir."""
    created = new_plan(folder)
    click.echo(f"nouveau plan dans {created} : modifiez plan.yaml et les fichiers fr/ et ar/, puis "
               f"« publisher check {created} »")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code instead of exiting."""
    try:
        code = cli.main(args=argv, prog_name="publisher", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("publisher : interrompu ; les publications précédentes sont intactes", err=True)
        return 130
    except UsageError as exc:
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_USAGE
    except PlanError as exc:
        _print_diagnostics(exc.diagnostics)
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_ERRORS
    except PublisherError as exc:
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_ERRORS
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
