from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships of centres."""

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
