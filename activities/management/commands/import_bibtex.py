"""import_bibtex PATH [--dry-run] [--publish]: publications from a BibTeX file."""

from django.core.management.base import BaseCommand, CommandError

from activities.importers.base import import_records
from activities.importers.bibtex import BibtexFormatError, records_from_file


class Command(BaseCommand):
    help = (
        "Importe les publications d'un fichier BibTeX (UTF-8) : une publication déjà connue "
        "(identifiant HAL, DOI, ou même titre la même année) est mise à jour, jamais "
        "dupliquée ; les nouvelles arrivent en brouillon sauf avec --publish. Une entrée "
        "illisible est refusée et signalée, les autres sont importées."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Chemin du fichier .bib")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Tout vérifier et dire ce qui serait fait, sans rien écrire.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publier directement les nouvelles publications (sinon : brouillons).",
        )

    def handle(self, *args, path, dry_run, publish, **options):
        # The whole file is read and parsed before anything is written: a file that is not
        # BibTeX, or not UTF-8, changes nothing.
        try:
            with open(path, "rb") as stream:
                records = list(records_from_file(stream))
        except OSError as error:
            raise CommandError(f"Impossible de lire {path} : {error.strerror}.") from None
        except BibtexFormatError as error:
            raise CommandError(f"{path} : {error}") from None

        report = import_records(records, dry_run=dry_run, publish=publish)

        if options["verbosity"] >= 2:
            for label, keys in (
                ("créé", report.created),
                ("mis à jour", report.updated),
                ("inchangé", report.unchanged),
            ):
                for key in keys:
                    self.stdout.write(f"{label} : {key}")
        for key, message in report.errors:
            self.stdout.write(self.style.WARNING(f"refusé : {key} — {message}"))
        style = self.style.WARNING if report.errors else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
