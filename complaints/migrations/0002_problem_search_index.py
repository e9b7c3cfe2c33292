"""Full-text search on PostgreSQL: a stored tsvector column, kept up to date by the database
itself, with a GIN index on it (SQLite searches by substring and gets neither).

The column is not a model field: Django never writes it, and only complaints.search reads it.
Stored rather than an expression index, so a search matching many rows reads each row's
vector instead of recomputing it while re-checking the index's candidates.
"""

from django.db import migrations

ADD = """
ALTER TABLE complaints_problem ADD COLUMN IF NOT EXISTS search_document tsvector
GENERATED ALWAYS AS (
    to_tsvector('english'::regconfig,
        coalesce(description, '') || ' ' ||
        coalesce(customer_expectation, '') || ' ' ||
        coalesce(product, ''))
) STORED;
CREATE INDEX IF NOT EXISTS complaints_problem_search_gin
    ON complaints_problem USING gin (search_document);
"""

DROP = """
DROP INDEX IF EXISTS complaints_problem_search_gin;
ALTER TABLE complaints_problem DROP COLUMN IF EXISTS search_document;
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(add, drop)]
