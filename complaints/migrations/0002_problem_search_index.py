"""A GIN index for full-text search, on PostgreSQL only (SQLite searches by substring)."""

from django.db import migrations

INDEX = "complaints_problem_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from complaints.search import SEARCH_DOCUMENT_SQL

    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaints_problem USING gin ({SEARCH_DOCUMENT_SQL})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
