from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships of centres."""

    email_notifications = models.BooleanField(
        "e-mail me my notifications",
        default=True,
        help_text="Notifications always appear in Casebook; this also sends each one by e-mail.",
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class Centre(models.Model):
    """A training provider or employer: the unit of data separation in Casebook."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    ASSESSOR = "assessor", "Assessor"
    VERIFIER = "verifier", "Internal verifier"
    MANAGER = "manager", "Manager"
    CENTRE_ADMIN = "centre_admin", "Centre admin"


# When a person holds several roles, they land on the home page of the one listed first.
ROLE_PRIORITY = [Role.CENTRE_ADMIN, Role.MANAGER, Role.VERIFIER, Role.ASSESSOR, Role.LEARNER]


class Membership(models.Model):
    """A person's role at a centre; one person may hold several roles, at several centres."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "centre", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["centre", "role"])]
        ordering = ["centre__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.centre}"

    def get_absolute_url(self) -> str:
        return reverse("home")


class Notification(models.Model):
    """Something that happened which one person should know about, shown on their
    notifications page and, unless they turned it off, e-mailed to them once."""

    class Kind(models.TextChoices):
        # An open list: other parts of Casebook add their events here (and a migration).
        EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
        EVIDENCE_ASSESSED = "evidence_assessed", "Evidence assessed"
        EVIDENCE_REFERRED_BACK = "evidence_referred_back", "Evidence referred back"
        EVIDENCE_SAMPLED = "evidence_sampled", "Evidence sampled"
        SAMPLE_REFERRED = "sample_referred", "Sample referred"
        SAMPLE_ACCEPTED = "sample_accepted", "Sample accepted"
        SAMPLE_RESPONDED = "sample_responded", "Assessor responded to a referral"
        WITNESS_WRITTEN = "witness_written", "Witness statement written"
        PORTFOLIO_READY = "portfolio_ready", "Portfolio PDF ready"
        PORTFOLIO_FAILED = "portfolio_failed", "Portfolio PDF failed"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, help_text="A path within Casebook, e.g. /portfolio/.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its e-mail was last handed to the job service; empty while the "
        "service could not be reached.",
    )
    email_tried_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker took its e-mail to send: each is tried at most once.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The badge (unread count) and the page (newest first) both read this way.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
            # The job sweep looks every minute for recent e-mails no worker has taken.
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True, email_tried_at__isnull=True),
                name="notification_email_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (to {self.recipient})"

    def get_absolute_url(self) -> str:
        """Opening a notification marks it read, then goes on to what it is about."""
        return reverse("accounts:notification-open", args=[self.pk])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class AuditEvent(models.Model):
    """A security-relevant event: a login, a failed or throttled login, a logout, a
    signature, an unlock, an export or download, a refused request. Written once by
    accounts.audit.audit_record; on PostgreSQL a trigger refuses any change or deletion."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOCKED_OUT = "locked_out", "Login paused after failures"
        LOGOUT = "logout", "Logged out"
        SIGNED = "signed", "Signed"
        UNLOCKED = "unlocked", "Evidence unlocked"
        EXPORTED = "exported", "Exported or downloaded"
        DENIED = "denied", "Permission denied"
        API = "api", "API request with a token"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # No database constraint: the log outlives any account, and is never updated to follow it.
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="As typed, for a failed login."
    )
    address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    subject = models.CharField(
        max_length=200, blank=True, help_text="What it concerned: model and id."
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "-at"]), models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class ApiToken(models.Model):
    """A company system's key to the API (/api/v1/), made by a centre admin for one centre,
    to read its log or also to write to it. Only the key's prefix (to find the row and to
    show) and the SHA-256 of the whole key are kept: the key itself is shown once, when it is
    made, and cannot be read back. A revoked token is refused (401)."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="Which system uses it, e.g. CRM export.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256, hex.")
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["revoked_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["centre", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.get_scope_display().lower()})"

    @staticmethod
    def hash_key(key: str) -> str:
        """What is stored of a key: its SHA-256 (the key is random and long, so no salt or
        slow hash is needed: it cannot be guessed from the hash)."""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE and self.is_active
