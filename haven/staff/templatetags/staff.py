"""Template helpers for the staff pages."""

from __future__ import annotations

from django import template

from haven.accounts import access
from haven.accounts.models import Capability

register = template.Library()


@register.simple_tag(takes_context=True)
def can_review(context: template.Context) -> bool:
    """Whether to offer the review queue in the navigation (memberships are cached per user)."""
    return Capability.REVIEW in access.network_capabilities(context["request"].user)
