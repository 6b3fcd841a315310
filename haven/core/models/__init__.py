"""Haven's data model, one module per area."""

from haven.core.models.applications import (
    Application,
    Assessment,
    DuplicateFlag,
    EvidenceItem,
    OriginRegion,
    Question,
    RubricVersion,
)
from haven.core.models.audit import AuditEntry
from haven.core.models.legal import BorderCrossing
from haven.core.models.people import Person
from haven.core.models.shelters import Bed, HostCountry, Organisation, Room, Shelter
from haven.core.models.stays import Stay

__all__ = [
    "Application",
    "Assessment",
    "AuditEntry",
    "Bed",
    "BorderCrossing",
    "DuplicateFlag",
    "EvidenceItem",
    "HostCountry",
    "Organisation",
    "OriginRegion",
    "Person",
    "Question",
    "Room",
    "RubricVersion",
    "Shelter",
    "Stay",
]
