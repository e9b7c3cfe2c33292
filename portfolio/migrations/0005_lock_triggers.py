"""On PostgreSQL, the database itself refuses changes to signed (locked) evidence.

EvidenceItem rows with `locked_at` set cannot be updated or deleted, and the rows that hang
off them (mapping, linked problems, repeated problems and preventive actions, files,
witness statements, outcome decisions) cannot be inserted, updated or deleted, unless the
transaction has run `SELECT set_config('casebook.unlock', '<evidence id>', true)`, which
only the unlock service does (services/signing.py). Signatures are never deleted, and only
their void columns may change. SQLite (local development) has no such triggers: there the
services' own checks are the only guard.
"""

from django.db import migrations

CHILD_TABLES = [
    ("portfolio_evidenceoutcome", "evidence_id"),
    ("portfolio_evidenceknowledge", "evidence_id"),
    ("portfolio_evidencerange", "evidence_id"),
    ("portfolio_attachment", "evidence_id"),
    ("portfolio_witnessstatement", "evidence_id"),
    ("portfolio_outcomedecision", "evidence_id"),
    ("portfolio_evidenceitem_problems", "evidenceitem_id"),
    ("portfolio_evidenceitem_repeated_problems", "evidenceitem_id"),
    ("portfolio_evidenceitem_preventive_actions", "evidenceitem_id"),
]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION casebook_unlocked(evidence bigint) RETURNS boolean AS $$
    SELECT coalesce(current_setting('casebook.unlock', true), '') = evidence::text
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION casebook_evidence_lock_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NOT NULL AND NOT casebook_unlocked(OLD.id) THEN
        RAISE EXCEPTION 'evidence item % is signed and locked', OLD.id
            USING ERRCODE = 'check_violation',
                  HINT = 'A centre admin unlocks it (with a reason) through Casebook.';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION casebook_evidence_child_guard() RETURNS trigger AS $$
DECLARE
    evidence bigint;
    locked timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        evidence := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    ELSE
        evidence := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    SELECT locked_at INTO locked FROM portfolio_evidenceitem WHERE id = evidence;
    IF locked IS NULL AND TG_OP = 'UPDATE' THEN
        -- Moving a row onto a locked item is as much a change to it as inserting one.
        evidence := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
        SELECT locked_at INTO locked FROM portfolio_evidenceitem WHERE id = evidence;
    END IF;
    IF locked IS NOT NULL AND NOT casebook_unlocked(evidence) THEN
        RAISE EXCEPTION '% of evidence item % is signed and locked', TG_TABLE_NAME, evidence
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION casebook_signature_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'signatures are never deleted: void them' USING ERRCODE = 'check_violation';
    END IF;
    IF (OLD.enrolment_id, OLD.signer_id, OLD.role, OLD.statement, OLD.signed_at,
        OLD.subject_type_id, OLD.subject_id, OLD.canonical_version, OLD.content,
        OLD.content_sha256)
       IS DISTINCT FROM
       (NEW.enrolment_id, NEW.signer_id, NEW.role, NEW.statement, NEW.signed_at,
        NEW.subject_type_id, NEW.subject_id, NEW.canonical_version, NEW.content,
        NEW.content_sha256)
       OR (OLD.voided_at IS NOT NULL AND NEW.voided_at IS DISTINCT FROM OLD.voided_at) THEN
        RAISE EXCEPTION 'signature % cannot be changed, only voided once', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def _create_sql() -> list[str]:
    sql = [
        FUNCTIONS,
        "CREATE TRIGGER casebook_evidence_lock BEFORE UPDATE OR DELETE ON portfolio_evidenceitem"
        " FOR EACH ROW EXECUTE FUNCTION casebook_evidence_lock_guard();",
        "CREATE TRIGGER casebook_signature_lock BEFORE UPDATE OR DELETE ON portfolio_signature"
        " FOR EACH ROW EXECUTE FUNCTION casebook_signature_guard();",
    ]
    for table, column in CHILD_TABLES:
        sql.append(
            f"CREATE TRIGGER casebook_evidence_lock BEFORE INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION casebook_evidence_child_guard('{column}');"
        )
    return sql


def _drop_sql() -> list[str]:
    sql = [
        "DROP TRIGGER IF EXISTS casebook_evidence_lock ON portfolio_evidenceitem;",
        "DROP TRIGGER IF EXISTS casebook_signature_lock ON portfolio_signature;",
    ]
    sql += [f"DROP TRIGGER IF EXISTS casebook_evidence_lock ON {t};" for t, _ in CHILD_TABLES]
    sql += [
        "DROP FUNCTION IF EXISTS casebook_evidence_child_guard();",
        "DROP FUNCTION IF EXISTS casebook_evidence_lock_guard();",
        "DROP FUNCTION IF EXISTS casebook_signature_guard();",
        "DROP FUNCTION IF EXISTS casebook_unlocked(bigint);",
    ]
    return sql


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        # A plain cursor: the functions' RAISE formats use %, which must not be taken for
        # query parameters.
        with schema_editor.connection.cursor() as cursor:
            for statement in statements():
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0004_assessment_signatures")]

    operations = [migrations.RunPython(_run(_create_sql), _run(_drop_sql))]
