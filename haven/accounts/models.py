"""Memberships grant a role to a staff user, for one shelter or for the whole network."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import Shelter


class Capability(models.TextChoices):
    """Named capabilities. Roles are bundles of these; views ask for capabilities only."""

    REVIEW = "can_review", _("review applications")
    PLACE = "can_place", _("place people in beds, check in and out")
    VIEW_SENSITIVE = "can_view_sensitive", _("see sensitive answers and contacts")
    VIEW_RESIDENTS = "can_view_residents", _("see residents and their legal clock")
    HOUSE_LIFE = "can_manage_house_life", _("manage chores, notices and classes")
    CASEWORK = (
        "can_do_casework",
        _("record border crossings, documents, duties, pathway cases and appointments"),
    )
    SUBMIT_APPLICATIONS = (
        "can_submit_applications",
        _("send applications on a person's behalf through the API"),
    )
    # Network admins only (the admin role holds every capability; no other role lists these).
    MANAGE_RUBRIC = "can_manage_rubric", _("publish new versions of the priority rubric")
    VIEW_FAIRNESS = "can_view_fairness", _("see outcomes and priorities by group")
    MANAGE_PATHWAYS = "can_manage_pathways", _("verify and edit destination policy notes")
    MANAGE_STAY_RULES = "can_manage_stay_rules", _("edit the legal-stay rules")
    ERASE_PEOPLE = "can_erase_people", _("erase a person and everything about them")
    MANAGE_ROLES = "can_manage_roles", _("grant and revoke staff roles")
    VIEW_DASHBOARD = (
        "can_view_dashboard",
        _("see the network dashboard and download its exports"),
    )
    MANAGE_RENT = "can_manage_rent", _("record what each house costs a month")


class Role(models.TextChoices):
    ADMIN = "admin", _("network admin")
    REVIEWER = "reviewer", _("reviewer")
    COORDINATOR = "coordinator", _("shelter coordinator")
    VOLUNTEER = "volunteer", _("volunteer")
    INTAKE = "intake", _("intake partner")


# Roles that only make sense across the whole network: applications are reviewed (and sent in by
# intake partners) network-wide, and an admin of one shelter would hold every capability there,
# including erasing people.
NETWORK_ONLY_ROLES = frozenset({Role.ADMIN, Role.REVIEWER, Role.INTAKE})
# Network roles that still see no shelter: an intake partner is another organisation sending in
# applications for the people it meets; where the shelters are is none of its business.
ROLES_WITHOUT_SHELTERS = frozenset({Role.INTAKE})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.REVIEWER: frozenset({Capability.REVIEW, Capability.VIEW_SENSITIVE}),
    Role.COORDINATOR: frozenset(
        {
            Capability.PLACE,
            Capability.VIEW_RESIDENTS,
            Capability.VIEW_SENSITIVE,
            Capability.HOUSE_LIFE,
            Capability.CASEWORK,
        }
    ),
    Role.VOLUNTEER: frozenset({Capability.HOUSE_LIFE}),
    Role.INTAKE: frozenset({Capability.SUBMIT_APPLICATIONS}),
}


class Membership(models.Model):
    """``shelter`` empty means the role holds across the whole network."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    shelter = models.ForeignKey(
        Shelter, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "shelter", "role"], name="membership_unique_per_shelter"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(shelter__isnull=True),
                name="membership_unique_network",
            ),
        ]

    def __str__(self) -> str:
        where = self.shelter.name if self.shelter else "network"
        return f"{self.user} {self.role} @ {where}"

    @property
    def is_network_admin(self) -> bool:
        return self.role == Role.ADMIN and self.shelter_id is None

    @property
    def capabilities(self) -> frozenset[str]:
        return ROLE_CAPABILITIES[self.role]


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Tokens that still work: not revoked, not expired, of an active account."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A staff user's key to the API (docs/api.md). It acts with the user's memberships.

    The token is shown once when it is made; only its SHA-256 hash is kept, and its first
    characters (``prefix``) so that people can tell their tokens apart. Revoked tokens stay
    listed (``revoked_at``) until the account goes.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Updated at most once an hour (LAST_USED_PRECISION): enough to spot unused tokens
    # without a write on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired
