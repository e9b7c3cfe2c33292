"""The staged rows of a checked file, and writing them as problems with their history.

The check writes every row it will import to a stage file beside the upload (CSV, one
chunk per CHUNK_ROWS rows of the file, the byte range of each chunk noted), so the import
itself does no per-row work in Python:

- PostgreSQL: each chunk's bytes go by COPY into a temporary table, and one statement
  numbers the rows from the centre's sequence (problem_numbers_reserve), adds the due
  times (problem_due_times), inserts them with ON CONFLICT DO NOTHING and writes each
  inserted problem's history record.
- Elsewhere (SQLite in development): the chunk is read back and written with
  bulk_create_with_history.

Each imported problem gets a django-simple-history "created" record (user: the uploader;
reason: "Import #N, row R"), so "a history of every change to a problem" starts at its
import; the problem also keeps its provenance in import_job and import_row.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from complaints import services as problem_services
from complaints.models import ImportJob, Problem

# The stage file's columns, in order: everything about a problem that varies by row.
STAGE_COLUMNS = (
    "seq", "import_row", "external_ref", "received_at", "resolved_at", "status", "channel",
    "identified_by", "customer_kind", "customer_ref", "product", "category", "severity",
    "description", "personal_data_flags",
)  # fmt: skip
_STAGE_TYPES = {
    "seq": "integer",
    "import_row": "integer",
    "received_at": "timestamp with time zone",
    "resolved_at": "timestamp with time zone",
    "description": "text",
    "personal_data_flags": "jsonb",
}
_NO_FLAGS = "[]"


def history_reason(job: ImportJob, row: int | str) -> str:
    return f"Import #{job.pk}, row {row}"


# --- Writing the stage ------------------------------------------------------------------------


@dataclass
class StageChunk:
    start: int  # byte offsets in the stage file
    end: int
    last_seq: int  # the checkpoint once this chunk is imported
    rows: int


@dataclass
class Stage:
    """Writes clean rows to the stage file, a chunk at a time."""

    path: Path
    tz: ZoneInfo
    chunks: list[StageChunk] = field(default_factory=list)
    rows: int = 0
    _offsets: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Stage:
        self._temporary = self.path.with_name(self.path.name + ".tmp")
        self._file = open(self._temporary, "wb")  # noqa: SIM115 - closed in __exit__
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")
        self._pending = 0
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._file.close()
        if exc_type is None:
            self._temporary.replace(self.path)
        else:
            self._temporary.unlink(missing_ok=True)

    def add(self, seq: int, row: int, clean: dict) -> None:
        flags = clean["personal_data_flags"]
        self._csv.writerow(
            (
                seq,
                row,
                clean["external_ref"],
                self._timestamp(clean["received_at"]),
                self._timestamp(clean["resolved_at"]),
                clean["status"],
                clean["channel"],
                clean["identified_by"],
                clean["customer_kind"],
                clean["customer_ref"],
                clean["product"],
                clean["category"],
                clean["severity"],
                clean["description"],
                json.dumps(flags) if flags else _NO_FLAGS,
            )
        )
        self._pending += 1

    def end_chunk(self, last_seq: int) -> None:
        data = self._buffer.getvalue().encode("utf-8")
        start = self.chunks[-1].end if self.chunks else 0
        self._file.write(data)
        self.chunks.append(StageChunk(start, start + len(data), last_seq, self._pending))
        self.rows += self._pending
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pending = 0

    def _timestamp(self, wall: str | None) -> str | None:
        """Wall-clock ISO text with its UTC offset, which the hour settles (DST changes on
        the hour): "2017-08-25 14:05:00+01:00"."""
        if wall is None:
            return None
        offset = self._offsets.get(wall[:13])
        if offset is None:
            aware = datetime.datetime.fromisoformat(wall).replace(tzinfo=self.tz)
            offset = aware.isoformat()[19:]
            self._offsets[wall[:13]] = offset
        return wall + offset


def read_chunk(path: Path, chunk: StageChunk) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(chunk.start)
        return handle.read(chunk.end - chunk.start)


# --- Writing problems -----------------------------------------------------------------------------


@dataclass
class Written:
    imported: int
    skipped: list[tuple[int, str]]  # (row, external reference) that conflicted on insert


class RowWriter:
    """Inserts one stage chunk as problems, inside the caller's transaction (the numbers'
    lock lasts until it ends). Rows whose reference reached the log since the check, or
    that this job already wrote, are skipped."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.level = problem_services.service_level_for(centre=job.centre)
        self.now = timezone.now()

    def write(self, data: bytes, *, rows: int, after_seq: int) -> Written:
        if not rows:
            return Written(0, [])
        start = problem_services.problem_numbers_reserve(centre=self.job.centre, count=rows)
        return self._insert(data, start=start, after_seq=after_seq)

    def _insert(self, data: bytes, *, start: int, after_seq: int) -> Written:
        staged = [
            dict(zip(STAGE_COLUMNS, values, strict=True))
            for values in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        ]
        staged = [row for row in staged if int(row["seq"]) > after_seq]
        existing = set(
            Problem.objects.filter(
                centre_id=self.job.centre_id,
                external_ref__in=[row["external_ref"] for row in staged if row["external_ref"]],
            )
            .order_by()
            .values_list("external_ref", flat=True)
        )
        done = set(
            Problem.objects.filter(
                import_job_id=self.job.pk, import_row__in=[int(row["import_row"]) for row in staged]
            )
            .order_by()
            .values_list("import_row", flat=True)
        )
        skipped = [
            (int(row["import_row"]), row["external_ref"])
            for row in staged
            if row["external_ref"] in existing and int(row["import_row"]) not in done
        ]
        fresh = [
            row
            for row in staged
            if row["external_ref"] not in existing and int(row["import_row"]) not in done
        ]
        problems = [self._problem(row, start + offset) for offset, row in enumerate(fresh)]
        bulk_create_with_history(
            problems, Problem, batch_size=500, default_user=self.job.uploaded_by,
            default_date=self.now,
        )  # fmt: skip
        return Written(len(problems), skipped)

    def _problem(self, row: dict, number: int) -> Problem:
        received = datetime.datetime.fromisoformat(row["received_at"])
        resolved = (
            datetime.datetime.fromisoformat(row["resolved_at"]) if row["resolved_at"] else None
        )
        first_due, resolution_due = problem_services.problem_due_times(
            received_at=received.astimezone(ZoneInfo(settings.TIME_ZONE)),
            service_level=self.level,
        )
        problem = Problem(
            centre_id=self.job.centre_id,
            learner_id=self.job.learner_id,
            number=number,
            external_ref=row["external_ref"],
            received_at=received,
            resolved_at=resolved,
            closed_at=resolved if row["status"] == "closed" else None,
            status=row["status"],
            channel=row["channel"],
            identified_by=row["identified_by"],
            customer_kind=row["customer_kind"],
            customer_ref=row["customer_ref"],
            product=row["product"],
            category=row["category"],
            severity=row["severity"],
            description=row["description"],
            personal_data_flags=json.loads(row["personal_data_flags"]),
            first_response_due=first_due,
            resolution_due=resolution_due,
            import_job_id=self.job.pk,
            import_row=int(row["import_row"]),
        )
        problem._change_reason = history_reason(self.job, row["import_row"])
        return problem


class PostgresRowWriter(RowWriter):
    """COPY the chunk into a temporary table, then one statement: number the fresh rows,
    insert them (ON CONFLICT DO NOTHING), write their history, and list what conflicted."""

    def __init__(self, job: ImportJob) -> None:
        super().__init__(job)
        self.sql, self.params = _insert_statement(job, self.level, self.now)
        # Conflicts were looked up under the centre's lock, so a plain INSERT almost always
        # succeeds, and skips the speculative insertion ON CONFLICT costs on every unique
        # index (a fifth of the statement). A writer that ignores the lock can still race
        # in; then the chunk is redone, skipping what conflicts.
        self.safe_sql = self.sql.replace("{ON_CONFLICT}", "ON CONFLICT DO NOTHING")
        self.sql = self.sql.replace("{ON_CONFLICT}", "")

    def _insert(self, data: bytes, *, start: int, after_seq: int) -> Written:
        columns = ", ".join(STAGE_COLUMNS)
        with connection.cursor() as cursor:
            # Safe here: the chunk and its checkpoint commit together, so a commit lost in
            # a server crash is simply redone by the re-run.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                "CREATE TEMPORARY TABLE casebook_import_stage ("
                + ", ".join(f"{c} {_STAGE_TYPES.get(c, 'varchar')}" for c in STAGE_COLUMNS)
                + ") ON COMMIT DROP"
            )
            cursor.cursor.copy_expert(
                f"COPY casebook_import_stage ({columns}) FROM STDIN WITH (FORMAT csv, "
                f"FORCE_NOT_NULL (external_ref, customer_ref))",
                io.BytesIO(data),
            )
            params = {**self.params, "start": start, "done": after_seq}
            try:
                with transaction.atomic():
                    cursor.execute(self.sql, params)
            except IntegrityError:
                cursor.execute(self.safe_sql, params)
            imported, rows, refs = cursor.fetchone()
            cursor.execute("DROP TABLE casebook_import_stage")
        return Written(imported, list(zip(rows or [], refs or [], strict=True)))


def _insert_statement(job: ImportJob, level, now: datetime.datetime) -> tuple[str, dict]:
    """The INSERT ... SELECT for a staged chunk, and its fixed parameters. Every problem
    column comes from the model: a field added later gets its default."""
    tz = settings.TIME_ZONE
    reference = datetime.datetime(2001, 1, 1, tzinfo=ZoneInfo(tz))
    first_due, resolution_due = problem_services.problem_due_times(
        received_at=reference, service_level=level
    )
    params = {
        "tz": tz,
        "first_due": first_due - reference,
        "resolution_due": resolution_due - reference,
        "centre": job.centre_id,
        "learner": job.learner_id,
        "job": job.pk,
        "now": now,
        "reason": history_reason(job, ""),
        "user": job.uploaded_by_id,
    }
    # Due times as problem_due_times gives them: a fixed span after receipt, counted in
    # wall-clock time in the centre's zone (as Python adds a timedelta to a local time).
    due = "((f.received_at AT TIME ZONE %(tz)s) + %({})s) AT TIME ZONE %(tz)s"
    expressions = {
        "number": "%(start)s - 1 + f.n",
        "centre_id": "%(centre)s",
        "learner_id": "%(learner)s",
        "import_job_id": "%(job)s",
        "first_response_due": due.format("first_due"),
        "resolution_due": due.format("resolution_due"),
        "closed_at": "CASE WHEN f.status = 'closed' THEN f.resolved_at END",
        "created_at": "%(now)s",
        "updated_at": "%(now)s",
    }
    columns, select = [], []
    for model_field in Problem._meta.concrete_fields:
        if model_field.primary_key:
            continue
        name = model_field.attname
        columns.append(model_field.column)
        if name in expressions:
            select.append(expressions[name])
        elif name in STAGE_COLUMNS:
            select.append(f"f.{name}")
        else:
            default = model_field.get_default()  # "" for a text field with none
            params[f"default_{name}"] = model_field.get_db_prep_save(default, connection)
            select.append(f"%(default_{name})s")
    historical = Problem.history.model
    tracked = ", ".join(
        f.column for f in historical._meta.concrete_fields if not f.column.startswith("history_")
    )
    table, history_table = Problem._meta.db_table, historical._meta.db_table
    # Table and column names come from the models, never from the file. The lookups are
    # LATERAL ... LIMIT 1 so they stay index probes: after a bulk load the planner's
    # statistics are stale and it would hash every problem of the centre for each chunk.
    # Rows go in by date received (numbers still follow the file): three indexes lead with
    # it, and inserting in order is a quarter faster than in file order.
    sql = f"""
        WITH fresh AS (
            SELECT s.*, row_number() OVER (ORDER BY s.seq) AS n
            FROM casebook_import_stage s
            LEFT JOIN LATERAL (
                SELECT 1 AS found FROM {table} p
                WHERE p.import_job_id = %(job)s AND p.import_row = s.import_row LIMIT 1
            ) written ON true
            LEFT JOIN LATERAL (
                SELECT 1 AS found FROM {table} p
                WHERE p.centre_id = %(centre)s AND p.external_ref = s.external_ref
                  AND p.external_ref <> '' LIMIT 1
            ) logged ON true
            WHERE s.seq > %(done)s AND written.found IS NULL AND logged.found IS NULL
        ), inserted AS (
            INSERT INTO {table} ({", ".join(columns)})
            SELECT {", ".join(select)} FROM fresh f ORDER BY f.received_at
            {{ON_CONFLICT}}
            RETURNING {tracked}
        ), history AS (
            INSERT INTO {history_table}
                ({tracked}, history_date, history_change_reason, history_type,
                 history_user_id)
            SELECT {tracked}, %(now)s, %(reason)s || import_row, '+', %(user)s FROM inserted
        )
        SELECT count(i.import_row),
               array_agg(s.import_row ORDER BY s.seq) FILTER (WHERE i.import_row IS NULL),
               array_agg(s.external_ref ORDER BY s.seq) FILTER (WHERE i.import_row IS NULL)
        FROM casebook_import_stage s LEFT JOIN inserted i ON i.import_row = s.import_row
        WHERE s.seq > %(done)s
    """  # noqa: S608
    return sql, params


def writer_for(job: ImportJob) -> RowWriter:
    if connection.vendor == "postgresql":
        return PostgresRowWriter(job)
    return RowWriter(job)
