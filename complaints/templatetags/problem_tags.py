from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from complaints.models import Category, Status
from complaints.privacy import redact

register = template.Library()


@register.filter(name="redact_for")
def redact_for(text: str, is_owner: bool) -> str:
    """The learner sees what they typed (to edit it out); everyone else reads it with the
    flagged personal data redacted."""
    return text if is_owner else redact(text or "")


# --- The problem log's rows -------------------------------------------------------------------
# The log page shows 50 problems per view. Asking the template for each cell (a URL reversed
# per row, dates through the `date` filter, choice labels through get_FOO_display) was most
# of the page's time, so the rows are prepared here in one pass, as plain values, and the
# template only places them. The values are what those template expressions give
# (tests/complaints/test_log_rendering.py compares them).

# A pk no problem will have, reversed once per page; each row's link is the same URL with
# its own pk in place of this one (as Problem.get_absolute_url would reverse it).
_PK_MARKER = 9_876_543_210_123


@register.simple_tag
def problem_log_rows(problems, now, show_learner=False) -> list[dict]:
    """A dict per problem with what one row of the log shows: link, reference, date received
    (ISO, "j M Y", "H:i" in the current time zone), learner (if show_learner), product,
    labels, and the due cell's `due` case: "closed", "paused", "none", "overdue" or "due"."""
    if not problems:
        return []
    tz = timezone.get_current_timezone()
    months = [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]
    categories = {value: str(label) for value, label in Category.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    url_before, url_after = reverse("complaints:problem-detail", args=[_PK_MARKER]).split(
        str(_PK_MARKER)
    )

    def day(local) -> str:  # the `date` filter's "j M Y"
        return f"{local.day} {months[local.month]} {local.year:04d}"

    rows = []
    for problem in problems:
        received = problem.received_at.astimezone(tz)
        status_label = statuses.get(problem.status, problem.status)
        row = {
            "url": f"{url_before}{problem.pk}{url_after}",
            "reference": problem.reference,
            "received_iso": received.isoformat(),
            "received_day": day(received),
            "received_time": f"{received.hour:02d}:{received.minute:02d}",
            "learner": problem.learner.display_name if show_learner else "",
            "product": problem.product,
            "category": categories.get(problem.category, problem.category),
            "status": problem.status,
            "status_label": status_label,
        }
        due_at = problem.resolution_due
        if not problem.is_open:
            row["due"] = "closed"
            row["status_lower"] = status_label.lower()
        elif problem.clock_paused:
            row["due"] = "paused"
        elif not due_at:
            row["due"] = "none"
        else:
            row["due"] = "overdue" if due_at < now else "due"
            due_local = due_at.astimezone(tz)
            row["due_iso"] = due_local.isoformat()
            row["due_day"] = day(due_local)
            row["due_time"] = f"{due_local.hour:02d}:{due_local.minute:02d}"
        rows.append(row)
    return rows
