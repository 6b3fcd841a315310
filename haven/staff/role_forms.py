"""The form that grants a staff role. Users are chosen by username, shelters by public UUID."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Role
from haven.core.models import Shelter


class UserField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return obj.get_username()


class ShelterField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Shelter) -> str:
        return f"{obj.name}, {obj.city}"


class GrantRoleForm(forms.Form):
    user = UserField(
        label=_("Staff member"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    shelter = ShelterField(
        label=_("Where"),
        queryset=Shelter.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
        empty_label=_("the whole network"),
        help_text=_("Network admins and reviewers always work across the whole network."),
    )

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, prefix="grant")
