"""The one place that decides what a staff user may see and do.

Rules: outside a user's scope an object does not exist for them (404); inside their scope,
lacking the capability is a 403. Views ask these helpers instead of querying models directly.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as StaffUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from haven.accounts.models import (
    ROLE_CAPABILITIES,
    ROLES_WITHOUT_SHELTERS,
    ApiToken,
    Capability,
    Membership,
)
from haven.core.models import (
    Application,
    Consent,
    Destination,
    HostCountry,
    Offer,
    PathwayCase,
    Person,
    ResidentDocument,
    ResidentTask,
    Shelter,
    Stay,
)
from haven.lib.prepared import Prepared

User = StaffUser | AnonymousUser


# Every request of a signed-in user or an API token reads these: compiled once
# (haven/lib/prepared.py).
_MEMBERSHIPS_OF = Prepared(
    lambda user_id: Membership.objects.filter(user_id=user_id).select_related("shelter")
)


def _memberships(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[Membership] | None = getattr(user, "_haven_memberships", None)
    if cached is None:
        cached = _MEMBERSHIPS_OF(user.pk)
        user._haven_memberships = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def network_capabilities(user: User) -> frozenset[str]:
    """Capabilities the user holds across the whole network."""
    caps: set[str] = set()
    for m in _memberships(user):
        if m.shelter_id is None:
            caps |= ROLE_CAPABILITIES[m.role]
    return frozenset(caps)


def shelter_capabilities(user: User, shelter: Shelter) -> frozenset[str]:
    """Capabilities the user holds in ``shelter`` (network-wide ones included)."""
    caps = set(network_capabilities(user))
    for m in _memberships(user):
        if m.shelter_id == shelter.pk:
            caps |= ROLE_CAPABILITIES[m.role]
    return frozenset(caps)


def has_capability(user: User, capability: str, shelter: Shelter | None = None) -> bool:
    if shelter is None:
        return capability in network_capabilities(user)
    return capability in shelter_capabilities(user, shelter)


def has_capability_somewhere(user: User, capability: str) -> bool:
    """Whether the user holds ``capability`` network-wide or in at least one shelter."""
    return any(capability in ROLE_CAPABILITIES[m.role] for m in _memberships(user))


def visible_shelters(user: User) -> QuerySet[Shelter]:
    """Shelters in the user's scope: all of them for network roles (but intake partners, who
    see none), else their own."""
    memberships = _memberships(user)
    if any(m.shelter_id is None and m.role not in ROLES_WITHOUT_SHELTERS for m in memberships):
        return Shelter.objects.all()
    return Shelter.objects.filter(
        pk__in=[m.shelter_id for m in memberships if m.shelter_id is not None]
    )


def shelters_with(user: User, capability: str) -> QuerySet[Shelter]:
    """Shelters where the user holds ``capability``."""
    if capability in network_capabilities(user):
        return Shelter.objects.all()
    ids = [
        m.shelter_id
        for m in _memberships(user)
        if m.shelter_id is not None and capability in ROLE_CAPABILITIES[m.role]
    ]
    return Shelter.objects.filter(pk__in=ids)


def require_network(user: User, capability: str) -> None:
    """Network-wide pages (the review queue): 404 for staff with no role that reaches them."""
    if not _memberships(user):
        raise Http404
    if capability not in network_capabilities(user):
        raise PermissionDenied


def get_shelter(user: User, public_id: UUID, capability: str) -> Shelter:
    try:
        shelter = visible_shelters(user).select_related("country").get(public_id=public_id)
    except Shelter.DoesNotExist:
        raise Http404 from None
    if not has_capability(user, capability, shelter):
        raise PermissionDenied
    return shelter


def get_application(user: User, public_id: UUID, capability: str) -> Application:
    """Applications are reviewed network-wide; placing staff see accepted ones to place them."""
    try:
        application = Application.objects.select_related("person", "host_country").get(
            public_id=public_id
        )
    except Application.DoesNotExist:
        raise Http404 from None
    if capability in network_capabilities(user):
        return application
    if not _memberships(user):
        raise Http404
    raise PermissionDenied


def get_resident(user: User, public_id: UUID, capability: str) -> Person:
    """A resident is in scope for staff of a shelter they stay or stayed in."""
    try:
        person = Person.objects.get(public_id=public_id)
    except Person.DoesNotExist:
        raise Http404 from None
    check_resident(user, person, capability)
    return person


def check_resident(user: User, person: Person, capability: str) -> None:
    """Raise 404 if ``person`` is outside the user's scope, 403 without ``capability``."""
    if capability in network_capabilities(user):
        return
    shelter_ids = set(
        Stay.objects.filter(person=person).values_list("bed__room__shelter_id", flat=True)
    )
    in_scope = [s for s in visible_shelters(user) if s.pk in shelter_ids]
    if not in_scope:
        raise Http404
    if not any(has_capability(user, capability, s) for s in in_scope):
        raise PermissionDenied


def may_for_person(user: User, person: Person, capability: str) -> bool:
    """Whether ``check_resident`` would let the user act on ``person`` with ``capability``."""
    try:
        check_resident(user, person, capability)
    except (Http404, PermissionDenied):
        return False
    return True


def get_consent(user: User, public_id: UUID, capability: str) -> Consent:
    """A consent is in scope with its person."""
    try:
        consent = Consent.objects.select_related("person").get(public_id=public_id)
    except Consent.DoesNotExist:
        raise Http404 from None
    check_resident(user, consent.person, capability)
    return consent


def get_membership(user: User, public_id: UUID, capability: str) -> Membership:
    """Memberships are managed network-wide: 404 for staff with no role or an unknown id,
    403 without the network ``capability``."""
    if not _memberships(user):
        raise Http404
    try:
        membership = Membership.objects.select_related("user", "shelter").get(public_id=public_id)
    except Membership.DoesNotExist:
        raise Http404 from None
    if capability not in network_capabilities(user):
        raise PermissionDenied
    return membership


def get_stay(user: User, public_id: UUID, capability: str) -> Stay:
    try:
        stay = (
            Stay.objects.heads()
            .select_related("bed__room__shelter", "person")
            .get(public_id=public_id)
        )
    except Stay.DoesNotExist:
        raise Http404 from None
    _check_shelter(user, stay.bed.room.shelter, capability)
    return stay


def _check_shelter(user: User, shelter: Shelter, capability: str) -> None:
    """404 if ``shelter`` is outside the user's scope, 403 without ``capability`` there."""
    if not visible_shelters(user).filter(pk=shelter.pk).exists():
        raise Http404
    if not has_capability(user, capability, shelter):
        raise PermissionDenied


def require_somewhere(user: User, capability: str) -> QuerySet[Shelter]:
    """Shelters where the user holds ``capability``; 404 without any role, 403 if none."""
    if not _memberships(user):
        raise Http404
    shelters = shelters_with(user, capability)
    if not shelters.exists():
        raise PermissionDenied
    return shelters


def get_offer(user: User, public_id: UUID, capability: str) -> Offer:
    """An offer is in scope with the shelter of its bed."""
    try:
        offer = (
            Offer.objects.heads()
            .select_related("bed__room__shelter__country", "application__person", "run")
            .get(public_id=public_id)
        )
    except Offer.DoesNotExist:
        raise Http404 from None
    _check_shelter(user, offer.bed.room.shelter, capability)
    return offer


# Legal clock and pathways: documents, tasks and cases are in scope with their person.


def get_document(user: User, public_id: UUID, capability: str) -> ResidentDocument:
    try:
        document = ResidentDocument.objects.select_related("person", "country").get(
            public_id=public_id
        )
    except ResidentDocument.DoesNotExist:
        raise Http404 from None
    check_resident(user, document.person, capability)
    return document


def get_task(user: User, public_id: UUID, capability: str) -> ResidentTask:
    try:
        task = ResidentTask.objects.select_related("person").get(public_id=public_id)
    except ResidentTask.DoesNotExist:
        raise Http404 from None
    check_resident(user, task.person, capability)
    return task


def get_case(user: User, public_id: UUID, capability: str) -> PathwayCase:
    try:
        case = PathwayCase.objects.select_related("person", "destination").get(public_id=public_id)
    except PathwayCase.DoesNotExist:
        raise Http404 from None
    check_resident(user, case.person, capability)
    return case


def residents_in_scope(user: User, capability: str) -> QuerySet[Person]:
    """People the user may see with ``capability``: everyone for a network role holding it,
    else the people who stay or stayed in a shelter where the user holds it."""
    if capability in network_capabilities(user):
        return Person.objects.all()
    shelters = shelters_with(user, capability)
    return Person.objects.filter(
        pk__in=Stay.objects.filter(bed__room__shelter__in=shelters).values("person_id")
    )


def require_capability_somewhere(user: User, capability: str) -> None:
    """Pages about the user's own scope (the calendar feed settings): 404 for staff with no
    membership, 403 when no membership grants ``capability``."""
    if not _memberships(user):
        raise Http404
    if not shelters_with(user, capability).exists():
        raise PermissionDenied


def get_destination(user: User, public_id: UUID, capability: str | None = None) -> Destination:
    """Destinations are network-wide information: any member sees them; changing one needs a
    network ``capability``."""
    if not _memberships(user):
        raise Http404
    try:
        destination = Destination.objects.get(public_id=public_id)
    except Destination.DoesNotExist:
        raise Http404 from None
    if capability is not None and capability not in network_capabilities(user):
        raise PermissionDenied
    return destination


def has_membership(user: User) -> bool:
    """Whether the user holds any role (memberships are cached per request)."""
    return bool(_memberships(user))


def require_member(user: User) -> None:
    """Network-wide information pages (destinations): 404 for staff with no membership."""
    if not has_membership(user):
        raise Http404


def waitlist_countries(user: User, capability: str) -> QuerySet[HostCountry]:
    """Host countries whose waitlist the user may count: every country for a network role
    holding ``capability`` or ``can_review`` (reviewers fill the waitlist), else the countries
    of the shelters where they hold ``capability``. 404 without any role, 403 if none."""
    if not _memberships(user):
        raise Http404
    if network_capabilities(user) & {capability, Capability.REVIEW}:
        return HostCountry.objects.all()
    countries = HostCountry.objects.filter(shelters__in=shelters_with(user, capability)).distinct()
    if not countries.exists():
        raise PermissionDenied
    return countries


def get_api_token(user: User, public_id: UUID) -> ApiToken:
    """One of the user's own API tokens: nobody else's exists for them (404)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return ApiToken.objects.get(user=user, public_id=public_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
