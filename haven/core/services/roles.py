"""Granting and revoking staff roles (memberships), audited; the network keeps an admin.

Audit entries name the membership by public id, the user by database id, the role and the
shelter's public id (``None``: the whole network).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import NETWORK_ONLY_ROLES, Membership, Role
from haven.core.models import Shelter
from haven.core.services import audit


class RoleError(Exception):
    """A role could not be granted or revoked; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def _audit_data(membership: Membership) -> dict[str, object]:
    shelter = membership.shelter
    return {
        "user": membership.user_id,
        "role": membership.role,
        "shelter": str(shelter.public_id) if shelter is not None else None,
    }


def grant_role(user: User, role: str, shelter: Shelter | None, *, actor: User) -> Membership:
    """Give ``user`` the ``role`` in ``shelter`` (``None``: across the whole network)."""
    if role not in Role.values:
        raise RoleError(_("Choose a role from the list."))
    if role in NETWORK_ONLY_ROLES and shelter is not None:
        raise RoleError(
            _("A %(role)s works across the whole network: leave the shelter empty.")
            % {"role": Role(role).label}
        )
    try:
        with transaction.atomic():
            if Membership.objects.filter(user=user, role=role, shelter=shelter).exists():
                raise RoleError(_("%(user)s holds this role there already.") % {"user": user})
            membership = Membership.objects.create(user=user, role=role, shelter=shelter)
            audit.record("role.granted", membership, actor=actor, **_audit_data(membership))
    except IntegrityError:  # granted by someone else at the same moment
        raise RoleError(_("%(user)s holds this role there already.") % {"user": user}) from None
    return membership


def revoke_role(membership: Membership, *, actor: User) -> None:
    """Take a role away. The last network admin of active accounts cannot be removed.

    The network admins' memberships are locked first, so two admins removing each other at
    the same moment cannot both succeed.
    """
    with transaction.atomic():
        admins = list(
            Membership.objects.select_for_update(no_key=True, of=("self",)).filter(
                role=Role.ADMIN, shelter__isnull=True, user__is_active=True
            )
        )
        locked = (
            Membership.objects.select_for_update(no_key=True, of=("self",))
            .select_related("user", "shelter")
            .filter(pk=membership.pk)
            .first()
        )
        if locked is None:
            raise RoleError(_("This role was revoked already."))
        if locked.is_network_admin and not any(admin.pk != locked.pk for admin in admins):
            raise RoleError(
                _("This is the last network admin: grant the role to someone else first.")
            )
        audit.record("role.revoked", locked, actor=actor, **_audit_data(locked))
        locked.delete()
