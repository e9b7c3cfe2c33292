"""The check: every row of a stored upload through the validator, a chunk at a time, with
references already in the centre's log looked up per chunk. The check reports the bad and
the skipped rows and stages the rest for the import (see writers.Stage)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Centre
from complaints.importing import mapping as m
from complaints.importing import reader, storage
from complaints.importing.validate import RowError, RowValidator, Vocabulary
from complaints.importing.writers import Stage, StageChunk
from complaints.models import (
    Category,
    CategoryMapping,
    Channel,
    CustomerKind,
    IdentifiedBy,
    ImportJob,
    Problem,
    Severity,
    Status,
)
from config.collector import collector_paused

CHUNK_ROWS = 20000

# What an unmapped or blank choice becomes (documented in mapping.FIELD_DEFAULTS).
IMPORT_DEFAULTS = {
    "channel": Channel.OTHER,
    "identified_by": IdentifiedBy.CUSTOMER,
    "customer_kind": CustomerKind.EXTERNAL,
    "severity": Severity.MEDIUM,
}


@dataclass
class PassOutcome:
    validator: RowValidator
    rows: int = 0
    rejected: int = 0
    skipped: int = 0
    report: list[dict] = field(default_factory=list)
    stage: list[StageChunk] = field(default_factory=list)


def validation_pass(job: ImportJob, order: str) -> PassOutcome:
    """Check every row; report the bad ones and those already in the log; stage the rest."""
    validator = validator_for(
        headers=job.headers, mapping=job.mapping, date_order=order, centre=job.centre
    )
    outcome = PassOutcome(validator=validator)
    report = storage.Report(storage.report_path(job))
    stage = Stage(storage.stage_path(job), ZoneInfo(settings.TIME_ZONE))
    with report, stage, collector_paused():
        for chunk in checked_chunks(job, validator):
            existing = existing_refs(job, [row for row in chunk if row.clean is not None])
            for row in chunk:
                if row.clean is None:
                    outcome.rejected += 1
                    report.add_errors(row.errors)
                elif row.clean["external_ref"] in existing:
                    outcome.skipped += 1
                    ref = row.clean["external_ref"]
                    report.add_skipped(
                        row=row.row,
                        column=validator.header("external_ref"),
                        ref=ref,
                        number=existing[ref],
                    )
                else:
                    stage.add(row.seq, row.row, row.clean)
            stage.end_chunk(chunk[-1].seq)
            outcome.rows = chunk[-1].seq
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=outcome.rows, heartbeat_at=timezone.now()
            )
    outcome.report, outcome.stage = report.kept, stage.chunks
    return outcome


def existing_refs(job: ImportJob, rows: list[Checked]) -> dict[str, int]:
    """External reference → problem number, for the chunk's references already in the
    centre's log."""
    refs = [row.clean["external_ref"] for row in rows if row.clean["external_ref"]]
    if not refs:
        return {}
    # Plain SQL: building 5,000 lookup parameters through the ORM costs more than the
    # query. "external_ref <> ''" lets PostgreSQL use the partial unique index.
    table = Problem._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One index probe per reference (LATERAL ... LIMIT 1, as the import's own
            # lookups): with "external_ref = ANY(20,000 values)" the planner scans the whole
            # centre instead, 200-350 ms per chunk on a centre with a million problems
            # (a re-import) against 40-90 ms for the probes.
            sql = f"""
                SELECT r.ref, found.number FROM unnest(%s::text[]) AS r(ref)
                JOIN LATERAL (
                    SELECT p.number FROM {table} p
                    WHERE p.centre_id = %s AND p.external_ref = r.ref
                      AND p.external_ref <> '' LIMIT 1
                ) found ON true
            """  # noqa: S608 - the table name comes from the model; values are parameters
            cursor.execute(sql, [refs, job.centre_id])
        else:
            found: list = []
            for start in range(0, len(refs), 900):  # SQLite's limit on parameters
                part = refs[start : start + 900]
                cursor.execute(
                    f"SELECT external_ref, number FROM {table} WHERE centre_id = %s "  # noqa: S608
                    f"AND external_ref <> '' AND external_ref IN ({', '.join(['%s'] * len(part))})",
                    [job.centre_id, *part],
                )
                found += cursor.fetchall()
            return dict(found)
        return dict(cursor.fetchall())


@dataclass(slots=True)
class Checked:
    seq: int  # 1-based position among the data rows: the checkpoint's unit
    row: int  # the row number a spreadsheet shows
    clean: dict | None
    errors: list[RowError]


def checked_chunks(job: ImportJob, validator: RowValidator) -> Iterator[list[Checked]]:
    path = storage.upload_path(job)
    if not path.exists():
        raise reader.FileRefused("The uploaded file is no longer stored; upload it again.")
    with reader.open_table(path, storage.file_kind(job)) as table:
        if table.headers != job.headers:
            raise reader.FileRefused("The stored file no longer matches this import.")
        chunk: list[Checked] = []
        check = validator.check
        for seq, (number, cells) in enumerate(table.rows, start=1):
            clean, errors = check(number, cells)
            chunk.append(Checked(seq, number, clean, errors))
            if len(chunk) == CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def validator_for(
    *, headers: list[str], mapping: dict, date_order: str, centre: Centre | None
) -> RowValidator:
    saved = {}
    if centre is not None:
        saved = dict(
            CategoryMapping.objects.filter(centre=centre).values_list("source_value", "category")
        )
    return RowValidator(
        headers=headers,
        mapping=mapping,
        date_order=date_order,
        categories=saved,
        vocabulary=vocabulary(),
        tz=ZoneInfo(settings.TIME_ZONE),
        now=timezone.now(),
    )


def vocabulary() -> Vocabulary:
    """The model's choices, with their synonyms, for the pure validator."""
    return Vocabulary(
        channel=m.choices_for("channel", Channel.choices),
        identified_by=m.choices_for("identified_by", IdentifiedBy.choices),
        customer_kind=m.choices_for("customer_kind", CustomerKind.choices),
        severity=m.choices_for("severity", Severity.choices),
        status=m.choices_for("status", Status.choices),
        category=m.choices_for("category", Category.choices),
        unclassified=Category.UNCLASSIFIED,
        defaults=dict(IMPORT_DEFAULTS),
    )
