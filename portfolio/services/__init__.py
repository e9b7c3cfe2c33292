"""Writes to the portfolio: enrolments, evidence items, their mapping and drafts."""

from portfolio.services.drafts import evidence_draft_from_problem
from portfolio.services.enrolments import enrolment_create, enrolment_validate
from portfolio.services.evidence import (
    evidence_create,
    evidence_ei_reserve,
    evidence_links_validate,
    evidence_submit,
    evidence_update,
)
from portfolio.services.mapping import mapping_save, mapping_suggest

__all__ = [
    "enrolment_create",
    "enrolment_validate",
    "evidence_create",
    "evidence_draft_from_problem",
    "evidence_ei_reserve",
    "evidence_links_validate",
    "evidence_submit",
    "evidence_update",
    "mapping_save",
    "mapping_suggest",
]
