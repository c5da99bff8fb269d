"""`manage.py rebuild_search_index [--batch-size N] [kind …]`: rebuild search documents."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities import search


class Command(BaseCommand):
    help = (
        "Rebuild the search document of every activity (activities.search), batch by batch: "
        "after a bulk write that bypassed the model signals, or to check that none is stale "
        "(the count of changed documents is then 0)."
    )

    def add_arguments(self, parser):
        kinds = sorted(model._meta.model_name for model in search.activity_models())
        parser.add_argument(
            "kinds",
            nargs="*",
            metavar="kind",
            help=f"only these kinds ({', '.join(kinds)}); all by default",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=search.BATCH_SIZE,
            help=f"entries read and written per batch (default {search.BATCH_SIZE})",
        )

    def handle(self, *args, kinds, batch_size, **options):
        by_name = {model._meta.model_name: model for model in search.activity_models()}
        if unknown := sorted(set(kinds) - set(by_name)):
            raise CommandError(
                f"Unknown kind(s): {', '.join(unknown)}. Kinds: {', '.join(sorted(by_name))}."
            )
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        models = [by_name[kind] for kind in kinds] if kinds else list(by_name.values())
        started = time.monotonic()
        totals = {model: [0, 0] for model in models}
        for model in models:
            # One transaction per kind: a kind is never left half rebuilt.
            with transaction.atomic():
                for _model, read, changed in search.rebuild([model], batch_size=batch_size):
                    totals[model][0] += read
                    totals[model][1] += changed
        if options["verbosity"] > 0:
            for model, (read, changed) in totals.items():
                name = model._meta.verbose_name_plural
                self.stdout.write(f"{name}: {read} read, {changed} changed")
            elapsed = time.monotonic() - started
            self.stdout.write(f"Search index rebuilt in {elapsed:.2f} s.")
