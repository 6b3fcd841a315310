"""The stay-clock command line: JSON in on stdin, JSON out on stdout, exit 2 on bad input."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from haven.rules.stay_clock import main

REPO = Path(__file__).resolve().parents[2]

EXAMPLE = {
    "host": "KZ",
    "nationality": "RU",
    "document": "ru_internal_passport",
    "on": "2023-03-01",
    "presence": [["2022-09-25", "2022-12-20"], ["2023-01-10", None]],
}


def run_main(request: object | str) -> tuple[int, str]:
    raw = request if isinstance(request, str) else json.dumps(request)
    stdout = io.StringIO()
    code = main([], io.StringIO(raw), stdout)
    return code, stdout.getvalue()


def test_module_runs_as_a_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "haven.rules.stay_clock"],
        input=json.dumps(EXAMPLE),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "status": "ok",
        "last_legal_day": "2023-04-09",
        "days_left": 39,
        "rule_ids": ["kz-ru-stay-pre2023"],
    }


def test_module_rejects_bad_json_with_exit_status_2() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "haven.rules.stay_clock"],
        input="{not json",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "not valid JSON" in completed.stderr


def test_main_prints_an_overstay() -> None:
    request = EXAMPLE | {"on": "2023-06-01", "presence": [["2023-03-01", None]]}
    assert run_main(request) == (
        0,
        '{"status": "overstay", "last_legal_day": "2023-05-29", "days_left": -3, '
        '"rule_ids": ["kz-ru-stay-2023"]}\n',
    )


@pytest.mark.parametrize(
    ("changes", "rule_ids"),
    [
        ({"host": "UZ"}, []),  # Uzbekistan refuses the domestic passport
        ({"host": "UZ", "document": "ru_international_passport"}, ["uz-ru-stay"]),
        ({"host": "AM"}, ["am-ru-stay"]),
        ({"host": "FR"}, []),
        ({"nationality": "BY"}, []),
        ({"document": "residence_permit"}, []),
    ],
)
def test_main_without_a_computable_rule_needs_a_check(
    changes: dict[str, str], rule_ids: list[str]
) -> None:
    code, output = run_main(EXAMPLE | changes)
    assert code == 0
    assert json.loads(output) == {
        "status": "needs_check",
        "last_legal_day": None,
        "days_left": None,
        "rule_ids": rule_ids,
    }


def test_main_takes_pauses() -> None:
    # A temporary residence permit from Feb 1 to Dec 31 2023 covers 'on': its end is the date.
    request = EXAMPLE | {"pauses": [["2023-02-01", "2023-12-31"]]}
    assert json.loads(run_main(request)[1]) == {
        "status": "ok",
        "last_legal_day": "2023-12-31",
        "days_left": 305,  # Mar 1 -> Dec 31: 365 - 59 - 1
        "rule_ids": [],
    }
    unknown_end = EXAMPLE | {"pauses": [["2023-02-01", None]]}
    assert json.loads(run_main(unknown_end)[1])["status"] == "needs_check"
    assert run_main(EXAMPLE | {"pauses": []}) == run_main(EXAMPLE)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ({k: v for k, v in EXAMPLE.items() if k != "host"}, "'host'"),
        (EXAMPLE | {"document": 5}, "'document'"),
        (EXAMPLE | {"on": "1 March 2023"}, "'on'"),
        (EXAMPLE | {"on": None}, "'on'"),
        (EXAMPLE | {"presence": "2023-01-10"}, "'presence'"),
        (EXAMPLE | {"presence": [["2023-01-10"]]}, r"presence\[0\]"),
        (EXAMPLE | {"presence": [["2023-01-10", "2023-01-01"]]}, r"presence\[0\]"),
        (EXAMPLE | {"presence": [["2023-01-01", None], ["2023-02-01", None]]}, "open"),
        (EXAMPLE | {"presence": [["2023-01-01", "2023-01-20"], ["2023-01-10", None]]}, "overlap"),
        (EXAMPLE | {"pauses": "2023-02-01"}, "'pauses'"),
        (EXAMPLE | {"pauses": [["2023-02-01"]]}, r"pauses\[0\]"),
        (EXAMPLE | {"pauses": [["2023-02-01", "2023-01-01"]]}, r"pauses\[0\]"),
        (EXAMPLE | {"pauses": [[None, "2023-01-01"]]}, r"pauses\[0\]\[0\]"),
    ],
)
def test_main_rejects_bad_requests(
    request_: object, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run_main(request_)
    assert (code, output) == (2, "")
    error = capsys.readouterr().err
    assert error.startswith("stay_clock: error: ")
    assert re.search(message, error)


def test_main_help_and_unknown_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    stdout = io.StringIO()
    assert main(["--help"], io.StringIO(""), stdout) == 0
    assert "usage:" in stdout.getvalue()
    assert main(["--frobnicate"], io.StringIO(""), io.StringIO()) == 2
    assert "usage:" in capsys.readouterr().err
