"""Worked cases, computed by hand from the research file, run through the command line.

Each case in ``data/stay_cases.json`` has the request, the expected answer, the rule text it
rests on (``source``) and the arithmetic (``note``).  All go through ``main()``; a few also go
through a real ``python -m haven.rules.stay_clock`` process.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from haven.rules.stay_clock import RULE_SETS, main, rules_for

REPO = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "stay_cases.json").read_text(encoding="utf-8")
)["cases"]
BY_NAME = {case["name"]: case for case in CASES}

# Run as real processes: the founding case, a pause, an unknown rule.
SUBPROCESS_CASES = [
    "kz founding case from the issue: entry 10 Jan 2023, before the change",
    "kz permit ended, still present: the count resumes where it stopped",
    "uz unknown cap: compute nothing",
]


def run_main(request: dict[str, Any]) -> dict[str, Any]:
    stdout = io.StringIO()
    assert main([], io.StringIO(json.dumps(request)), stdout) == 0
    result: dict[str, Any] = json.loads(stdout.getvalue())
    return result


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_worked_case(case: dict[str, Any]) -> None:
    assert run_main(case["input"]) == case["expected"], case["note"]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_worked_case_as_a_process(name: str) -> None:
    case = BY_NAME[name]
    completed = subprocess.run(
        [sys.executable, "-m", "haven.rules.stay_clock"],
        input=json.dumps(case["input"]),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == case["expected"]


def test_cases_are_many_named_and_explained() -> None:
    assert len(CASES) >= 40
    assert len(BY_NAME) == len(CASES)
    for case in CASES:
        assert set(case) == {"name", "input", "expected", "source", "note"}
        assert case["source"]
        assert case["note"]


def test_cases_cover_every_host_shape_and_status() -> None:
    hosts = {case["input"]["host"] for case in CASES}
    assert {host for host, _ in RULE_SETS} <= hosts
    shapes_used = set()
    for case in CASES:
        request = case["input"]
        rules = rules_for(request["host"], request["nationality"], request["document"])
        by_id = {rule.id: rule for rule in rules}
        shapes_used |= {by_id[rule_id].shape for rule_id in case["expected"]["rule_ids"]}
    assert shapes_used == {"fixed", "rolling", "both", "unclear", "unknown"}
    statuses = {case["expected"]["status"] for case in CASES}
    assert statuses == {"ok", "overstay", "needs_check"}
    assert sum("pauses" in case["input"] for case in CASES) >= 5
