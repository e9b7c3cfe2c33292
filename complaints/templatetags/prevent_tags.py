from django import template

from complaints.element3 import VERDICTS

register = template.Library()


@register.filter(name="verdict_label")
def verdict_label(verdict: str) -> str:
    """The engine's stored verdict in words ("too_early" → "Too early to tell")."""
    return VERDICTS[verdict][0] if verdict in VERDICTS else verdict.replace("_", " ").capitalize()


@register.filter(name="verdict_tone")
def verdict_tone(verdict: str) -> str:
    """The Bootstrap colour of a verdict's badge."""
    return VERDICTS[verdict][2] if verdict in VERDICTS else "secondary"
