"""The command line: parses arguments, calls the pipeline, maps errors to exit codes.

Exit codes (shared/publication.md): 0 clean or warnings only, 1 errors (or warnings with
``--strict``), 2 an invocation that cannot be used, 3 the machine failed (output folder not
writable or full, manifest unreadable, a rendering process died), 130 interrupted (Ctrl-C or
SIGTERM). Tests call :func:`main` in-process with argv.

Each command imports the stages it uses when it runs: a build with nothing to do (see
:func:`publisher.stamp.fresh`) never imports the model, the checker or a renderer.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import EnvironmentFailure, PlanError, PublisherError, UsageError
from .stamp import EDITIONS, FORMATS, default_out, fresh, parse_list

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_ENVIRONMENT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _print_diagnostics(diagnostics) -> None:
    for diag in diagnostics:
        click.echo(str(diag))


def _print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(f"publisher : attention : {warning}", err=True)


def parse_workers(value: str | None) -> int | None:
    """``-j 4`` -> 4; a value that is not a whole number >= 1 is a usage error."""
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise UsageError(f"-j : « {value} » n'est pas un nombre de processus (un nombre entier >= 1)")
    return int(value)


def _summary(result) -> str:
    """The plan's counts, total budget and translation completeness, in French."""
    from .i18n import format_amount, format_date, territory
    from .model import Lang

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


class _Formatter(click.HelpFormatter):
    """Click's help screens, in French."""

    SECTIONS = {"Commands": "Commandes", "Options": "Options", "Arguments": "Arguments"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("COMMAND [ARGS]", "COMMANDE [ARGUMENTS]"), prefix="Utilisation : ")

    def section(self, name: str):
        return super().section(self.SECTIONS.get(name, name))


class _Context(click.Context):
    formatter_class = _Formatter


class _Command(click.Command):
    context_class = _Context

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Affiche cette aide."
        return option


class _Group(_Command, click.Group):
    command_class = _Command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher", help="Affiche la version de publisher.")
def cli() -> None:
    """Publie les plans d'action provinciaux de protection de l'enfance (DOCX et PDF, français et arabe)."""


@cli.command("check")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Les avertissements comptent comme des erreurs.")
def check_command(plan: Path, strict: bool) -> int:
    """Vérifie un dossier de plan et affiche chaque problème, localisé."""
    from .check import check
    from .load import load

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
@click.option("-j", "--jobs", "workers", help="Processus en parallèle (défaut : un par cœur).")
def build_command(plan, out, editions, formats, since, strict, workers) -> int:
    """Vérifie le plan puis publie ses éditions (DOCX, PDF), les fiches action et les dossiers par acteur."""
    if since is not None and not Path(since).is_dir():
        raise UsageError(f"{since} : dossier de la version précédente introuvable")
    options = dict(
        editions=parse_list(editions, EDITIONS, "édition"),
        formats=parse_list(formats, FORMATS, "format"),
        strict=strict,
        since=since,
        workers=parse_workers(workers),
    )
    target = Path(out) if out else default_out(plan)
    if since is None and (diagnostics := fresh(plan, target, options["editions"], options["formats"], strict)) \
            is not None:
        _print_diagnostics(diagnostics)
        click.echo(f"0 fichier(s) écrit(s) : la publication dans {target} est à jour")
        return EXIT_OK
    from .build import build

    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("publication", total=None)
            report = build(plan, out, progress=lambda done, total, _: bar.update(task, completed=done, total=total),
                           **options)
    else:  # a log (CI, a script): a plain line now and then, never a bar
        report = build(plan, out, progress=_progress_lines(), **options)
    _print_diagnostics(report.check.diagnostics)
    _print_warnings(report.warnings)
    click.echo(
        f"{len(report.written)} fichier(s) écrit(s), {len(report.unchanged)} inchangé(s)"
        + (f", {len(report.removed)} retiré(s)" if report.removed else "")
        + f" dans {report.out} : " + (f"{report.pages} pages PDF, " if "pdf" in options["formats"] else "")
        + f"{report.bytes / 1_000_000:.1f} Mo, {report.seconds:.1f} s"
    )
    return EXIT_OK


def _progress_lines(every: float = 10.0):
    """Progress for a log: ``publisher : 40/170 fichier(s) rendu(s)`` at most every ``every`` seconds,
    and once when the last file is rendered."""
    last = time.monotonic()

    def report(done: int, total: int, _target: str) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= every:
            last = now
            click.echo(f"publisher : {done}/{total} fichier(s) rendu(s)", err=True)

    return report


@cli.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Dossier où écrire le tableau des modifications en DOCX et en PDF (fr et ar).")
def diff_command(old: Path, new: Path, out: Path | None) -> int:
    """Affiche le tableau des modifications entre deux versions d'un plan."""
    from . import diff
    from .build import write_changes
    from .check import load_checked
    from .i18n import format_date, label
    from .model import Lang

    before, after = load_checked(old).plan, load_checked(new).plan
    changes = diff.compare(before, after)
    click.echo(label("modifications_entre", Lang.FR, old=format_date(before.version, Lang.FR),
                     new=format_date(after.version, Lang.FR)))
    if before.version == after.version:
        click.echo("attention : les deux dossiers portent la même date de version")
    _print_changes(changes)
    if out is not None:
        written = write_changes(after.model_copy(update={"previous": before}), out)
        click.echo(f"{len(written)} fichier(s) écrit(s) dans {out}")
    return EXIT_OK


def _print_changes(changes) -> None:
    """The tableau des modifications in French; a change of the Arabic text alone shows the Arabic."""
    from . import diff
    from .model import Lang

    click.echo(" | ".join(diff.header(Lang.FR)))
    for row, arabic in zip(diff.table_rows(changes, Lang.FR), diff.table_rows(changes, Lang.AR)):
        if row[3] == row[4] and arabic[3] != arabic[4]:
            row = (*row[:3], f"(ar) {arabic[3]}", f"(ar) {arabic[4]}")
        click.echo(" | ".join(cell or "-" for cell in row))
    click.echo(f"{len(changes)} modification(s)")


@cli.command("export")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Classeur à écrire (défaut : canevas-<province>-<version>[-<acteur>].xlsx).")
@click.option("--acteur", help="Seulement les actions que cet acteur pilote ou accompagne (sa clé).")
def export_command(plan: Path, out: Path | None, acteur: str | None) -> int:
    """Exporte le canevas du plan dans un classeur Excel, pour les pilotes et les partenaires."""
    from . import workbook

    written = workbook.export_file(plan, out, acteur)
    click.echo(f"canevas exporté dans {written}")
    return EXIT_OK


@cli.command("import")
@click.argument("xlsx", type=click.Path(path_type=Path))
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--supprimer", "remove", is_flag=True,
              help="Retire du plan les actions de l'extrait absentes du classeur.")
def import_command(xlsx: Path, plan: Path, remove: bool) -> int:
    """Applique à plan.yaml les modifications d'un classeur exporté ; refuse tout classeur qui contient une erreur."""
    from . import workbook

    report = workbook.import_file(xlsx, plan, remove=remove)
    _print_diagnostics(report.warnings)
    for note in report.notes:
        click.echo(note)
    if not report.written:
        click.echo("aucune modification : plan.yaml inchangé")
        return EXIT_OK
    click.echo(f"Tableau des modifications appliquées à {Path(plan) / 'plan.yaml'}")
    _print_changes(report.changes)
    return EXIT_OK


@cli.command("new")
@click.argument("folder", type=click.Path(path_type=Path))
def new_command(folder: Path) -> int:
    """Crée un nouveau dossier de plan à partir de l'exemple, prêt à remplir."""
    from .scaffold import new_plan

    created = new_plan(folder)
    click.echo(f"nouveau plan dans {created} : modifiez plan.yaml et les fichiers fr/ et ar/, puis "
               f"« publisher check {created} »")
    return EXIT_OK


@cli.command("remove")
@click.argument("out", type=click.Path(path_type=Path))
@click.argument("publication")
def remove_command(out: Path, publication: str) -> int:
    """Retire d'un dossier de sortie une publication ancienne (province-version, ex. assafa-2025-03-18)."""
    from .build import remove_publication

    report = remove_publication(out, publication)
    _print_warnings(report.warnings)
    click.echo(f"{len(report.removed)} fichier(s) retiré(s) de {out} ; la publication {publication} n'est plus "
               f"dans le manifeste")
    return EXIT_OK


def _usage_message(exc: click.UsageError) -> str:
    """Click's usage errors, in French."""
    if isinstance(exc, click.NoSuchOption):
        return f"option inconnue : {exc.option_name}"
    if type(exc).__name__ == "NoSuchCommand" or exc.message.startswith("No such command"):
        name = getattr(exc, "command_name", exc.message.split("'")[1] if "'" in exc.message else "")
        return f"commande inconnue : {name} (commandes : {', '.join(sorted(cli.commands))})"
    if isinstance(exc, click.MissingParameter):
        name = exc.param.human_readable_name if exc.param else "?"
        return f"argument manquant : {name}"
    if isinstance(exc, click.BadOptionUsage):
        return f"l'option {exc.option_name} attend une valeur"
    if isinstance(exc, click.BadParameter):
        name = exc.param.get_error_hint(exc.ctx) if exc.param else "?"
        return f"valeur invalide pour {name}"
    return "utilisation invalide (publisher --help pour l'aide)"


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM during a command. Not a KeyboardInterrupt: click reports that one its own
    way (a blank line on stderr before ours); every clean-up of the pipeline catches BaseException."""


def _interrupt(signum, frame):
    raise Interrupted


def _handle_interruptions() -> dict[int, object]:
    """Make SIGTERM and Ctrl-C raise :class:`Interrupted`; the handlers they had, to restore. Ctrl-C is
    left alone where it was not Python's default (ignored in a background job, or the caller's own)."""
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    return previous


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code instead of exiting."""
    previous = _handle_interruptions()
    try:
        code = cli.main(args=argv, prog_name="publisher", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return EXIT_USAGE
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "publisher"
        click.echo(f"publisher : {_usage_message(exc)} ; voir « {command} --help »", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"publisher : {exc.format_message()}", err=True)
        return EXIT_USAGE
    except (Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        click.echo("publisher : interrompu ; les publications précédentes sont intactes", err=True)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_USAGE
    except PlanError as exc:
        _print_diagnostics(exc.diagnostics)
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_ERRORS
    except EnvironmentFailure as exc:
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_ENVIRONMENT
    except PublisherError as exc:
        click.echo(f"publisher : {exc}", err=True)
        return EXIT_ERRORS
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
