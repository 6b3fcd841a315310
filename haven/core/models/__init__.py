"""Haven's data model, one module per area."""

from haven.core.models.applications import (
    Application,
    Assessment,
    DuplicateFlag,
    EvidenceItem,
    OriginRegion,
    Question,
    ReceivedApplication,
    RubricVersion,
)
from haven.core.models.audit import AuditEntry
from haven.core.models.consent import Consent
from haven.core.models.house import Absence, Activity, Attendance, Chore, Notice, RotaSlot
from haven.core.models.legal import (
    BorderCrossing,
    ClockStatus,
    ReminderSent,
    ResidentClock,
    ResidentDocument,
    ResidentTask,
    StayRuleSet,
)
from haven.core.models.pathways import (
    Appointment,
    CalendarFeed,
    Destination,
    DestinationSource,
    PathwayCase,
)
from haven.core.models.people import Person
from haven.core.models.placements import Offer, PlacementRun
from haven.core.models.ratelimit import RateCount
from haven.core.models.shelters import Bed, HostCountry, Organisation, Room, Shelter
from haven.core.models.stays import Stay

__all__ = [
    "Absence",
    "Activity",
    "Application",
    "Appointment",
    "Assessment",
    "Attendance",
    "AuditEntry",
    "Bed",
    "BorderCrossing",
    "CalendarFeed",
    "Chore",
    "ClockStatus",
    "Consent",
    "Destination",
    "DestinationSource",
    "DuplicateFlag",
    "EvidenceItem",
    "HostCountry",
    "Notice",
    "Offer",
    "Organisation",
    "OriginRegion",
    "PathwayCase",
    "Person",
    "PlacementRun",
    "Question",
    "RateCount",
    "ReceivedApplication",
    "ReminderSent",
    "ResidentClock",
    "ResidentDocument",
    "ResidentTask",
    "Room",
    "RotaSlot",
    "RubricVersion",
    "Shelter",
    "Stay",
    "StayRuleSet",
]
