"""Command line: ``python -m haven.rules.allocation INSTANCE.json [--seed N]``.

Tests and benchmarks use it; so can an operator checking a run by hand.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO, TypeGuard

from .model import Applicant, Gender, Room, RoomGender, Shelter, allocate
from .problem import AllocationError

__all__ = ["main", "parse_instance"]


class _UsageError(AllocationError):
    """The command line itself is wrong (the usage text follows the message)."""


USAGE = """\
usage: python -m haven.rules.allocation INSTANCE.json [--seed N]

INSTANCE.json ("-" reads stdin):
  {"shelters": [{"id": "s1", "beds": 14}],
   "applicants": [{"id": "a1", "priority": 812, "eligible": ["s1", "s2"],
                   "match": {"s1": 10}}]}
("match" optional, missing shelters score 0).  Prints one JSON object:
  {"assignment": {applicant_id: shelter_id}, "total_priority": n, "total_match": n,
   "seed": n, "order": [...], "ties": [...], "cutoffs": {...}, "waiting": {...}}
Rooms (optional; give them for every shelter with beds, or for none):
  shelters: "rooms": [{"id": "r1", "beds": 4, "gender": "open"|"women"|"men",
                       "accessible": 1}]  ("gender" default "open", "accessible" 0;
            the shelter's "beds" may then be left out: the rooms' sum)
  applicants: "gender": "woman"|"man"|"other", "needs_accessible": true|false,
              "household": "h1" (members are placed together in one room, or not at all)
  output adds "rooms": {applicant_id: room_id}, "bound" (no placement reaches more) and,
  for a waiting household member, "household".
--seed N: the tie-break lottery seed (0..2**63-1); without it a seed is drawn and printed.
Exit status 0 on success, 2 on bad input or usage (message on stderr).
"""


def _field(data: Mapping[str, object], key: str, where: str) -> object:
    if key not in data:
        raise AllocationError(f"{where}: missing {key!r}")
    return data[key]


def _objects(
    data: Mapping[str, object], key: str, where: str = "instance"
) -> list[Mapping[str, object]]:
    items = _field(data, key, where)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise AllocationError(f"{key!r} must be a list of objects")
    return items


def parse_instance(raw: str) -> tuple[list[Shelter], list[Applicant]]:
    """Shelters and applicants from instance JSON; ``AllocationError`` says what is wrong.

    Types are checked here (``allocate`` checks the values)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise AllocationError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise AllocationError("the instance must be a JSON object")
    shelters: list[Shelter] = []
    for n, item in enumerate(_objects(data, "shelters")):
        where = f"shelters[{n}]"
        rooms = _rooms(item, where) if "rooms" in item else None
        sid = _field(item, "id", where)
        beds = (
            item.get("beds", sum(r.beds for r in rooms)) if rooms else _field(item, "beds", where)
        )
        if not isinstance(sid, str) or not _is_int(beds):
            raise AllocationError(f"{where}: 'id' must be a string and 'beds' an integer")
        shelters.append(Shelter(id=sid, beds=beds, rooms=rooms))
    applicants: list[Applicant] = []
    for n, item in enumerate(_objects(data, "applicants")):
        where = f"applicants[{n}]"
        aid, priority = _field(item, "id", where), _field(item, "priority", where)
        eligible = _field(item, "eligible", where)
        match = item.get("match", {})
        household = item.get("household")
        gender = item.get("gender")
        needs = item.get("needs_accessible", False)
        if not isinstance(aid, str):
            raise AllocationError(f"{where}: 'id' must be a string")
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise AllocationError(f"{where}: 'priority' must be an integer")
        if not isinstance(eligible, list) or not all(isinstance(s, str) for s in eligible):
            raise AllocationError(f"{where}: 'eligible' must be a list of shelter ids")
        if not isinstance(match, dict):
            raise AllocationError(f"{where}: 'match' must be an object of shelter id -> score")
        if household is not None and not isinstance(household, str):
            raise AllocationError(f"{where}: 'household' must be a string")
        if gender is not None and (not isinstance(gender, str) or gender not in _GENDERS):
            raise AllocationError(f"{where}: 'gender' must be woman, man or other")
        if not isinstance(needs, bool):
            raise AllocationError(f"{where}: 'needs_accessible' must be true or false")
        applicants.append(
            Applicant(
                id=aid,
                priority=priority,
                eligible=tuple(eligible),
                match=match,
                household=household,
                gender=None if gender is None else _GENDERS[gender],
                needs_accessible=needs,
            )
        )
    return shelters, applicants


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


_GENDERS: dict[str, Gender] = {"woman": "woman", "man": "man", "other": "other"}
_ROOM_GENDERS: dict[str, RoomGender] = {"open": "open", "women": "women", "men": "men"}


def _rooms(item: Mapping[str, object], where: str) -> tuple[Room, ...]:
    rooms = []
    for n, room in enumerate(_objects(item, "rooms", where)):
        at = f"{where}.rooms[{n}]"
        rid, beds = _field(room, "id", at), _field(room, "beds", at)
        gender, accessible = room.get("gender", "open"), room.get("accessible", 0)
        if not isinstance(rid, str) or not _is_int(beds) or not _is_int(accessible):
            raise AllocationError(f"{at}: 'id' must be a string, 'beds' and 'accessible' integers")
        if not isinstance(gender, str) or gender not in _ROOM_GENDERS:
            raise AllocationError(f"{at}: 'gender' must be open, women or men")
        rooms.append(Room(id=rid, beds=beds, gender=_ROOM_GENDERS[gender], accessible=accessible))
    return tuple(rooms)


def _arguments(argv: Sequence[str]) -> tuple[str, int | None]:
    args = list(argv)
    seed: int | None = None
    if "--seed" in args:
        at = args.index("--seed")
        if at + 1 >= len(args):
            raise _UsageError("--seed needs a value")
        try:
            seed = int(args[at + 1])
        except ValueError:
            raise _UsageError("--seed must be an integer") from None
        del args[at : at + 2]
    if len(args) != 1 or (args[0].startswith("-") and args[0] != "-"):
        raise _UsageError("expected exactly one INSTANCE.json (or -)")
    return args[0], seed


def main(argv: Sequence[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run the command line (``argv`` without the program name); returns the exit status.

    Errors go to ``sys.stderr`` (looked up at call time, so tests can capture it)."""
    if list(argv) in (["-h"], ["--help"]):
        stdout.write(USAGE)
        return 0
    try:
        path, seed = _arguments(argv)
        if path == "-":
            raw = stdin.read()
        else:
            try:
                with open(path, encoding="utf-8") as handle:
                    raw = handle.read()
            except OSError as error:
                raise AllocationError(f"cannot read {path}: {error.strerror}") from None
            except UnicodeDecodeError:
                raise AllocationError(f"{path} is not UTF-8 text") from None
        shelters, applicants = parse_instance(raw)
        result = allocate(shelters, applicants, seed=seed)
    except AllocationError as error:
        sys.stderr.write(f"allocation: error: {error}\n")
        if isinstance(error, _UsageError):
            sys.stderr.write(USAGE)
        return 2
    json.dump(result.as_json(), stdout)
    stdout.write("\n")
    return 0
