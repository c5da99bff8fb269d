"""`manage.py load_report 2023 [--update]`: load a yearly report's data file."""

from django.core.management.base import BaseCommand, CommandError

from activities.services import LoadSummary, ReportDataError, report_load

OUTCOMES = ("created", "updated", "unchanged", "kept")


class Command(BaseCommand):
    help = (
        "Load the ODD 3 report of a year from activities/data/report-<year>.yaml: create the "
        "records that are missing and leave existing ones as they are (use --update to bring "
        "them back in line with the file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="year of the report, e.g. 2023")
        parser.add_argument(
            "--update",
            action="store_true",
            help="also rewrite existing records from the file, overwriting editors' changes",
        )

    def handle(self, *args, year: int, update: bool, **options):
        try:
            summary = report_load(year=year, update=update)
        except ReportDataError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            self.write_summary(summary)

    def write_summary(self, summary: LoadSummary) -> None:
        mode = "update" if summary.update else "missing records only"
        self.stdout.write(f"Report {summary.year} ({summary.path.name}, {mode}):")
        width = max(len(key) for key in [*summary.counts, "total"])
        self.stdout.write(" ".join([" " * width, *(f"{name:>9}" for name in OUTCOMES)]))
        for key, counts in summary.counts.items():
            numbers = (f"{getattr(counts, name):>9}" for name in OUTCOMES)
            self.stdout.write(" ".join([f"{key:<{width}}", *numbers]))
        totals = (f"{summary.total(name):>9}" for name in OUTCOMES)
        self.stdout.write(" ".join([f"{'total':<{width}}", *totals]))
        if kept := summary.total("kept"):
            self.stdout.write(
                self.style.WARNING(
                    f"{kept} record(s) differ from the file and were kept as they are; "
                    f"`load_report {summary.year} --update` would overwrite them."
                )
            )
