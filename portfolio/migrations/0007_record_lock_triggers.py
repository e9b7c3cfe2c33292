"""On PostgreSQL, the database itself refuses changes to locked element and knowledge records.

An ElementRecord or KnowledgeRecord with `locked_at` set (from its first signature: the
assessor's on an element record, the candidate's on the knowledge record; before migration
0008's release, from the last) cannot be updated or deleted, and the
outcome signatures an element record rests on cannot be added, changed or removed, unless
the transaction has run `SELECT set_config('casebook.unlock_record', '<table>:<id>', true)`.
Only `portfolio.services.signing.evidence_unlock` does that, when a centre admin unlocks
evidence a record rests on. SQLite has no such triggers.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION casebook_record_unlocked(tbl text, record bigint) RETURNS boolean AS $$
    SELECT coalesce(current_setting('casebook.unlock_record', true), '') = tbl || ':' || record
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION casebook_record_lock_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NOT NULL AND NOT casebook_record_unlocked(TG_TABLE_NAME, OLD.id) THEN
        RAISE EXCEPTION '% % is signed and locked', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION casebook_element_record_child_guard() RETURNS trigger AS $$
DECLARE
    record bigint;
    locked timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        record := NEW.elementrecord_id;
    ELSE
        record := OLD.elementrecord_id;
    END IF;
    SELECT locked_at INTO locked FROM portfolio_elementrecord WHERE id = record;
    IF locked IS NULL AND TG_OP = 'UPDATE' THEN
        record := NEW.elementrecord_id;
        SELECT locked_at INTO locked FROM portfolio_elementrecord WHERE id = record;
    END IF;
    IF locked IS NOT NULL
       AND NOT casebook_record_unlocked('portfolio_elementrecord', record) THEN
        RAISE EXCEPTION 'outcome signatures of element record % are signed and locked', record
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

RECORD_TABLES = ["portfolio_elementrecord", "portfolio_knowledgerecord"]
CHILD_TABLE = "portfolio_elementrecord_decision_signatures"


def _create_sql() -> list[str]:
    sql = [FUNCTIONS]
    sql += [
        f"CREATE TRIGGER casebook_record_lock BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION casebook_record_lock_guard();"
        for table in RECORD_TABLES
    ]
    sql.append(
        f"CREATE TRIGGER casebook_record_lock BEFORE INSERT OR UPDATE OR DELETE ON {CHILD_TABLE}"
        " FOR EACH ROW EXECUTE FUNCTION casebook_element_record_child_guard();"
    )
    return sql


def _drop_sql() -> list[str]:
    sql = [
        f"DROP TRIGGER IF EXISTS casebook_record_lock ON {t};"
        for t in [*RECORD_TABLES, CHILD_TABLE]
    ]
    sql += [
        "DROP FUNCTION IF EXISTS casebook_element_record_child_guard();",
        "DROP FUNCTION IF EXISTS casebook_record_lock_guard();",
        "DROP FUNCTION IF EXISTS casebook_record_unlocked(text, bigint);",
    ]
    return sql


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements():
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0006_element_knowledge_records")]

    operations = [migrations.RunPython(_run(_create_sql), _run(_drop_sql))]
