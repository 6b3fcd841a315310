"""A network admin erases a person from the application page; nothing of them is left."""

from __future__ import annotations

from django.urls import reverse

from haven.core.models import Application, AuditEntry, Person
from tests.conftest import Personas, login, make_application


def _erase_url(application: Application) -> str:
    return reverse("staff:erase", kwargs={"public_id": application.public_id})


def test_admin_erases_after_typing_the_code(personas: Personas) -> None:
    application = make_application(display_name="Lev", contact="@lev")
    other = make_application(display_name="Mila", contact="@mila")
    client = login(personas.admin)
    page = client.get(reverse("staff:application", kwargs={"public_id": application.public_id}))
    assert "Erase this person" in page.content.decode()

    wrong = client.post(_erase_url(application), {"reason": "request", "confirm": "HV-0000-0000"})
    assert "This is not the code of this application." in wrong.content.decode()
    assert Person.objects.count() == 2

    response = client.post(
        _erase_url(application), {"reason": "request", "confirm": application.reference.lower()}
    )

    assert response.status_code == 302
    assert list(Person.objects.all()) == [other.person]
    entry = AuditEntry.objects.get(action="person.erased")
    assert entry.data == {"reason": "request"}
    assert entry.actor == personas.admin
    assert "nothing about this person is left" in client.get(response["Location"]).content.decode()


def test_reviewers_see_no_erase_form_and_cannot_erase(personas: Personas) -> None:
    application = make_application()
    client = login(personas.reviewer)
    page = client.get(reverse("staff:application", kwargs={"public_id": application.public_id}))
    assert "Erase this person" not in page.content.decode()
    response = client.post(
        _erase_url(application), {"reason": "request", "confirm": application.reference}
    )
    assert response.status_code == 403
    assert Person.objects.count() == 1
