"""Prepared queries: compiled once, then the same results as the ORM for every new value."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery

from haven.accounts.models import Membership, Role
from haven.core.models import Application
from haven.lib.prepared import Prepared
from tests.conftest import Network, make_application, make_user


@pytest.mark.django_db
def test_model_objects_with_their_related_objects_and_annotations(
    network: Network, django_assert_num_queries: Any
) -> None:
    coordinator = make_user("coordinator", Role.COORDINATOR, network.almaty)
    Membership.objects.create(user=coordinator, shelter=network.astana, role=Role.VOLUNTEER)
    reviewer = make_user("reviewer", Role.REVIEWER, None)
    built: list[int] = []

    def build(user_id: int) -> QuerySet[Membership]:
        built.append(user_id)
        shelter_name = Subquery(
            Membership.objects.filter(pk=OuterRef("pk")).values("shelter__name")[:1]
        )
        return (
            Membership.objects.filter(user_id=user_id)
            .select_related("shelter", "user")
            .annotate(shelter_name=shelter_name)
            .order_by("role")
        )

    memberships = Prepared(build)
    for user in (coordinator, reviewer, coordinator):
        with django_assert_num_queries(1):  # the related objects come with it
            got = [described(m) for m in memberships(user.pk)]
        assert got == [described(m) for m in build(user.pk)]
        assert [username for _pk, _role, username, _shelter, _annotated in got] == (
            [user.username] * (2 if user == coordinator else 1)
        )
    assert [m.shelter and m.shelter.name for m in memberships(coordinator.pk)] == [
        "Dom 1",
        "Dom 2",
    ]
    assert len(built) == 1 + 3  # compiled once; the other three built the expected lists
    with django_assert_num_queries(0), pytest.raises(TypeError, match=r"takes 1 value\(s\), not 2"):
        memberships(coordinator.pk, reviewer.pk)  # a second value would go nowhere
    assert memberships(User.objects.order_by("-pk").first().pk + 1) == []  # type: ignore[union-attr]


def described(membership: Membership) -> tuple[object, ...]:
    shelter = membership.shelter
    annotated = membership.shelter_name  # type: ignore[attr-defined]
    return (membership.pk, membership.role, membership.user.username, shelter, annotated)


@pytest.mark.django_db
def test_values_come_through_the_fields_converters(network: Network) -> None:
    first = make_application(display_name="Artem", contact="@artem")
    second = make_application(display_name="Lena", contact="@lena", birth_year=1999)
    applications = Prepared(
        lambda reference: Application.objects.select_related("person").filter(reference=reference)
    )
    rows = Prepared(
        lambda reference, status: Application.objects.filter(
            reference=reference, status=status
        ).values_list("reference", "submitted_at", "answers")
    )
    for application in (first, second, first):
        (got,) = applications(application.reference)
        assert got.pk == application.pk
        assert got.submitted_at == application.submitted_at  # an aware datetime on SQLite too
        assert got.person.contact == application.person.contact  # decrypted when read
        assert got.answers == application.answers
        assert rows(application.reference, application.status) == list(
            Application.objects.filter(reference=application.reference).values_list(
                "reference", "submitted_at", "answers"
            )
        )
        assert rows(application.reference, "no such status") == []
    (reference, submitted_at, _sealed), *_ = rows(second.reference, second.status)
    assert reference == second.reference
    assert submitted_at.tzinfo is not None


@pytest.mark.django_db
def test_a_value_the_orm_would_change_is_refused_before_any_query_runs(
    db: Any, django_assert_num_queries: Any
) -> None:
    contains = Prepared(lambda name: User.objects.filter(username__contains=name))
    with django_assert_num_queries(0), pytest.raises(ValueError, match="unchanged"):
        contains("adm")
    unused = Prepared(lambda name: User.objects.all())
    with django_assert_num_queries(0), pytest.raises(ValueError, match="unchanged"):
        unused("admin")
    dated = Prepared(lambda day: User.objects.filter(date_joined__date=day))
    with django_assert_num_queries(0), pytest.raises(TypeError, match="text and whole numbers"):
        dated(date(2026, 12, 7))  # type: ignore[arg-type]  # what is refused
