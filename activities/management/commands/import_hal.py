"""`manage.py import_hal`: import publications from HAL (the search API or a saved answer).

    import_hal --collection IMT-MINES-ALES --dry-run     # what would change, nothing written
    import_hal --structure 1234 --publish                # new entries published at once
    import_hal --idhal gilles-dusfour --max 20
    import_hal --query 'title_t:volleyball'
    import_hal --file reponse-hal.json

Everything HAL returns is received first, then written in one transaction: a failure while
fetching (HTTP error, timeout, unreadable answer) writes nothing, and no database
transaction stays open while HAL answers.
"""

from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from activities.importers import hal
from activities.importers.base import ImportReport, import_records

SOURCES = ("collection", "structure", "idhal", "query", "file")
PROGRESS_EVERY = 50


class Command(BaseCommand):
    help = (
        "Importe des publications depuis HAL (collection, structure, idHAL, requête, ou "
        "réponse enregistrée) : rapproche chaque notice des publications, personnes, "
        "structures et projets du portail, crée ou met à jour, et affiche le bilan."
    )

    def add_arguments(self, parser):
        source = parser.add_argument_group("source (une et une seule)")
        source.add_argument("--collection", metavar="CODE", help="collection HAL (collCode_s)")
        source.add_argument(
            "--structure", metavar="ID", type=int, help="identifiant HAL de structure (structId_i)"
        )
        source.add_argument("--idhal", metavar="ID", help="idHAL d'un·e auteur·e (authIdHal_s)")
        source.add_argument("--query", metavar="Q", help="requête Solr de HAL (paramètre q)")
        source.add_argument(
            "--file", metavar="PATH", type=Path, help="réponse JSON de HAL enregistrée"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="tout faire puis tout annuler : le bilan dit ce qui changerait",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publier les nouvelles publications (par défaut : brouillons)",
        )
        parser.add_argument(
            "--max", metavar="N", type=int, dest="max_records", help="au plus N notices"
        )

    def handle(self, *args, dry_run, publish, max_records, verbosity, **options):
        given = [name for name in SOURCES if options[name] not in (None, "")]
        if len(given) != 1:
            raise CommandError(
                "Indiquez une et une seule source : --collection, --structure, --idhal, "
                f"--query ou --file (reçu : {', '.join(given) or 'aucune'})."
            )
        if max_records is not None and max_records < 1:
            raise CommandError("--max doit être un nombre entier positif.")
        self.verbose = verbosity >= 1
        source = given[0]

        if source == "file":
            records = self.read_file(options["file"], max_records)
        else:
            records = self.fetch(source, options[source], max_records)
        report = import_records(
            records,
            dry_run=dry_run,
            publish=publish,
            progress=lambda n: self.progress(n, "traitées"),
        )
        if self.verbose:
            self.write_report(report, detailed=verbosity >= 2)

    def read_file(self, path: Path, max_records: int | None) -> list:
        try:
            with path.open("rb") as stream:
                records = hal.records_from_file(stream)
        except OSError as error:
            raise CommandError(f"Fichier illisible : {path} ({error.strerror}).") from None
        except hal.HalFormatError as error:
            raise CommandError(f"Fichier refusé, rien n'a été importé : {error}.") from None
        return list(islice(records, max_records))

    def fetch(self, source: str, value, max_records: int | None) -> list:
        arguments = {
            "collection": {"collection": value},
            "structure": {"structure_id": value},
            "idhal": {"idhal": value},
            "query": {"query": value},
        }[source]
        records = []
        try:
            for record in hal.fetch(**arguments, max_records=max_records):
                records.append(record)
                self.progress(len(records), "reçues de HAL")
        except hal.HalFetchError as error:
            raise CommandError(
                f"Import HAL interrompu : {error}. {len(records)} notice(s) reçue(s) avant "
                "l'erreur ; rien n'a été écrit."
            ) from None
        return records

    def progress(self, count: int, what: str) -> None:
        if self.verbose and count % PROGRESS_EVERY == 0:
            self.stderr.write(f"… {count} notices {what}")

    def write_report(self, report: ImportReport, *, detailed: bool) -> None:
        self.stdout.write(report.summary())
        if detailed:
            for outcome in ("created", "updated"):
                for key in getattr(report, outcome):
                    self.stdout.write(
                        f"  {'créé' if outcome == 'created' else 'mis à jour'}: {key}"
                    )
        if report.errors:
            self.stdout.write(self.style.WARNING("Notices refusées :"))
            for key, message in report.errors:
                self.stdout.write(f"  {key}: {message}")
