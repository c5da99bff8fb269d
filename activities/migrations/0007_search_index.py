# Fills the search documents of existing activities, and on PostgreSQL builds the GIN
# index that full-text search uses (activities.search).
#
# The indexes are not in the models' Meta: SQLite has no GIN index and no to_tsvector,
# and a table rebuilt by SQLite would recreate them from the models' state. They live
# here only, built on PostgreSQL from the very expression the queries use
# (search.document_vector()), so that the planner recognises it.

from django.db import migrations

from activities import search

ACTIVITIES = ["programme", "researchproject", "thesis", "publication", "campusinitiative"]


def fill_documents(apps, schema_editor):
    models = [apps.get_model("activities", name) for name in ACTIVITIES]
    for _batch in search.rebuild(models, using=schema_editor.connection.alias):
        pass


def _indexes(apps):
    from django.contrib.postgres.indexes import GinIndex

    for name in ACTIVITIES:
        index = GinIndex(search.document_vector(), name=f"{name}_search_idx")
        yield apps.get_model("activities", name), index


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in _indexes(apps):
            schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in _indexes(apps):
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_search_text"),
    ]

    operations = [
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
