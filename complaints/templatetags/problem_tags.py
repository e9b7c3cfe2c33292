from django import template

from complaints.privacy import redact

register = template.Library()


@register.filter(name="redact_for")
def redact_for(text: str, is_owner: bool) -> str:
    """The learner sees what they typed (to edit it out); everyone else reads it with the
    flagged personal data redacted."""
    return text if is_owner else redact(text or "")
