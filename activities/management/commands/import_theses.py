"""`manage.py import_theses --nnt NNT… | --query Q | --file PATH [--dry-run] [--publish]`."""

import argparse
from itertools import islice

from django.core.management.base import BaseCommand, CommandError

from activities.importers.base import ImportReport, import_records
from activities.importers.thesesfr import (
    ThesesFetchError,
    ThesesFormatError,
    fetch,
    records_from_file,
    records_from_response,
    theses_in,
)

PROGRESS_EVERY = 50


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} n'est pas un nombre entier") from None
    if value < 1:
        raise argparse.ArgumentTypeError("il faut au moins 1")
    return value


class Command(BaseCommand):
    help = (
        "Importe des thèses depuis theses.fr : par NNT (ou numéro de sujet s123456 d'une "
        "thèse en préparation), par recherche, ou depuis une réponse JSON enregistrée. Une "
        "thèse déjà présente est complétée, jamais dupliquée ; une nouvelle arrive en "
        "brouillon (sauf --publish). Tout est lu avant d'écrire : une erreur de lecture "
        "n'écrit rien."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--nnt",
            nargs="+",
            metavar="NNT",
            help="NNT d'une thèse soutenue (2022EMAL0007) ou numéro de sujet (s354812)",
        )
        source.add_argument(
            "--query",
            metavar="Q",
            help='recherche theses.fr, ex. "codeEtab:(EMAL) AND status:(enCours)"',
        )
        source.add_argument(
            "--file",
            metavar="PATH",
            help="réponse JSON de theses.fr enregistrée (une recherche ou une thèse)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="tout faire puis tout annuler : le rapport dit ce qui serait écrit",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publier les thèses créées (les thèses existantes gardent leur état)",
        )
        parser.add_argument(
            "--max",
            type=positive_int,
            dest="max_records",
            metavar="N",
            help="importer au plus N thèses",
        )

    def handle(self, *args, nnt, query, file, dry_run, publish, max_records, **options):
        verbose = options["verbosity"] >= 1
        try:
            if file:
                records = self.read_file(file)
            else:
                log = self.stderr.write if verbose else None
                if nnt:
                    document = theses_in(fetch(nnt=number) for number in nnt)
                else:
                    document = fetch(query, max_records=max_records, log=log)
                records = records_from_response(document)
        except (ThesesFetchError, ThesesFormatError) as error:
            where = f"{file} : " if file else ""
            raise CommandError(f"Import annulé, rien n'a été écrit. {where}{error}") from error
        if max_records is not None:
            records = islice(records, max_records)

        def progress(index: int) -> None:
            if verbose and index % PROGRESS_EVERY == 0:
                self.stderr.write(f"… {index} thèse(s) traitée(s)")

        report = import_records(records, dry_run=dry_run, publish=publish, progress=progress)
        if verbose:
            self.write_report(report, details=options["verbosity"] >= 2)

    def read_file(self, path: str):
        try:
            with open(path, "rb") as stream:
                return records_from_file(stream)
        except FileNotFoundError:
            raise CommandError(f"Fichier introuvable : {path}") from None
        except OSError as error:
            raise CommandError(f"Fichier illisible : {path} ({error.strerror})") from None

    def write_report(self, report: ImportReport, *, details: bool) -> None:
        self.stdout.write(f"theses.fr — {report.summary()}")
        if details:
            for label, keys in (("créée", report.created), ("mise à jour", report.updated)):
                for key in keys:
                    self.stdout.write(f"  {label} : {key}")
        for key, message in report.errors:
            self.stdout.write(f"  refusée : {key} — {message}")
