"""Legal-stay clock: the last day a person may still be present in a host country.

The public face of the clock, importable as one module:

* ``compute_clock(presence, on, rules, *, pauses=())`` -> ``ClockResult`` (``stay_engine``;
  the day-counting rules, pauses and rule changes are documented there);
* ``rules_for(host, nationality, document)``: the researched rules that judge this person;
* ``duties_for(host, nationality, entries)``: dated registration duties (``stay_duties``);
* the rule data with its sources (``stay_rules``, from ``data/stay_rules.json``) and the
  types (``stay_types``);
* a JSON command line: ``python -m haven.rules.stay_clock < request.json`` (see ``main``).

Unclear and unknown rules never give a date: their answer is ``"needs_check"`` (a caseworker
checks), as is any host, nationality or document without researched rules.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TextIO

from haven.rules.stay_duties import Duty, add_working_days, due_date, duties_for
from haven.rules.stay_engine import compute_clock, validate_rules
from haven.rules.stay_rules import (
    DEFAULT_RULE_DATA,
    DUTY_RULES,
    ENTRY_DOCUMENTS,
    KAZAKHSTAN_RULES,
    RULE_SETS,
    STAY_RULES,
    VISA_FREE_DOCUMENTS,
    RuleData,
    load_rule_data,
    rule_by_id,
)
from haven.rules.stay_types import (
    ClockResult,
    Confidence,
    DutyRule,
    EntryDocument,
    Presence,
    Provenance,
    RecordStatus,
    Shape,
    Source,
    Status,
    StayDataError,
    StayRule,
)

__all__ = [
    "DEFAULT_RULE_DATA",
    "DUTY_RULES",
    "ENTRY_DOCUMENTS",
    "KAZAKHSTAN_RULES",
    "RULE_SETS",
    "STAY_RULES",
    "VISA_FREE_DOCUMENTS",
    "ClockResult",
    "Confidence",
    "Duty",
    "DutyRule",
    "EntryDocument",
    "Presence",
    "Provenance",
    "RecordStatus",
    "RuleData",
    "Shape",
    "Source",
    "Status",
    "StayDataError",
    "StayRule",
    "add_working_days",
    "compute_clock",
    "due_date",
    "duties_for",
    "load_rule_data",
    "main",
    "rule_by_id",
    "rules_for",
    "validate_rules",
]


def rules_for(
    host: str, nationality: str, document: str, *, data: RuleData | None = None
) -> tuple[StayRule, ...]:
    """The stay rules for this person: the host's rules for the nationality that apply to the
    document, in order of ``effective_from``; ``()`` when Haven has none (-> ``"needs_check"``).

    ``data`` replaces the default rule data (e.g. rules edited by an admin).

    A document that applies to only some of a host's rules leaves a gap in time, and a stay
    judged in the gap gets ``"needs_check"``.  ``host`` and ``nationality`` are ISO2 codes in
    any case; ``document`` is matched exactly (e.g. ``"ru_internal_passport"``).
    """
    sets = RULE_SETS if data is None else data.sets
    rules = sets.get((host.upper(), nationality.upper()), ())
    return tuple(rule for rule in rules if document in rule.documents)


# ------------------------------------------------------------------------------------------
# Command line: python -m haven.rules.stay_clock < request.json

_USAGE = """\
usage: python -m haven.rules.stay_clock < request.json

Reads one JSON object on stdin, e.g.
  {"host": "KZ", "nationality": "RU", "document": "ru_internal_passport",
   "on": "2023-03-01", "presence": [["2022-09-25", "2022-12-20"], ["2023-01-10", null]],
   "pauses": [["2023-02-01", "2023-02-28"]]}
("pauses", optional: periods under a residence permit or visa, null = end unknown) and prints
{"status": "ok"|"needs_check"|"overstay", "last_legal_day": "YYYY-MM-DD"|null,
"days_left": n|null, "rule_ids": [...]}.  Exit status 0 when a clock was printed (whatever its
status), 2 when the request is not valid (message on stderr).
"""


class _BadRequest(StayDataError):
    pass


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"{key!r} must be a non-empty string")
    return value


def _day(value: object, what: str) -> date:
    if not isinstance(value, str):
        raise _BadRequest(f"{what} must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadRequest(f"{what} is not a date: {value!r}") from None


def _periods(data: Mapping[str, object], key: str, *, required: bool) -> list[Presence]:
    pairs = data.get(key, None if required else [])
    if not isinstance(pairs, list):
        raise _BadRequest(f"{key!r} must be a list of [from, to-or-null] pairs")
    periods: list[Presence] = []
    for index, pair in enumerate(pairs):
        where = f"{key}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise _BadRequest(f"{where} must be a pair [from, to-or-null]")
        first = _day(pair[0], f"{where}[0]")
        last = None if pair[1] is None else _day(pair[1], f"{where}[1]")
        try:
            periods.append(Presence(first, last))
        except StayDataError as error:
            raise _BadRequest(f"{where}: {error}") from None
    return periods


def _parse_request(
    raw: str,
) -> tuple[list[Presence], date, tuple[StayRule, ...], list[Presence]]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise _BadRequest(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise _BadRequest("expected a JSON object")
    rules = rules_for(_text(data, "host"), _text(data, "nationality"), _text(data, "document"))
    on = _day(data.get("on"), "'on'")
    presence = _periods(data, "presence", required=True)
    pauses = _periods(data, "pauses", required=False)
    return presence, on, rules, pauses


def main(argv: Sequence[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run the command line: ``argv`` without the program name.  Returns the exit status.

    Errors go to ``sys.stderr`` (looked up at call time, so tests can capture it).
    """
    if argv:
        if list(argv) in (["-h"], ["--help"]):
            stdout.write(_USAGE)
            return 0
        sys.stderr.write(_USAGE)
        return 2
    try:
        presence, on, rules, pauses = _parse_request(stdin.read())
        result = compute_clock(presence, on, rules, pauses=pauses)
    except StayDataError as error:  # a bad request, or stays that contradict themselves
        sys.stderr.write(f"stay_clock: error: {error}\n")
        return 2
    stdout.write(json.dumps(result.as_json()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout))
