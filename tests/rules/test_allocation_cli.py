"""The command line: ``python -m haven.rules.allocation INSTANCE.json`` (the contract the
benchmarks and other tools rely on)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from haven.rules.allocation.cli import main

from .test_allocation_reference import make_problem, ortools_best

REPO = Path(__file__).resolve().parents[2]

INSTANCE = {
    "shelters": [{"id": "s1", "beds": 14}, {"id": "s2", "beds": 1}],
    "applicants": [
        {"id": "a1", "priority": 812, "eligible": ["s1", "s2"], "match": {"s1": 10}},
        {"id": "a2", "priority": 20, "eligible": ["s2"]},
        {"id": "a3", "priority": 30, "eligible": ["s2"], "match": {"s2": 4}},
    ],
}


def run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    # our own module with arguments the tests build: nothing untrusted reaches the call
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "haven.rules.allocation", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )


def test_module_runs_as_a_command(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(INSTANCE), encoding="utf-8")
    completed = run([str(path), "--seed", "5"])
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["assignment"] == {"a1": "s1", "a3": "s2"}
    assert result["total_priority"] == 842
    assert result["total_match"] == 14
    assert result["seed"] == 5
    assert result["waiting"]["a2"]["lowest_placed"] == {"s2": 30}


def test_stdin_and_a_drawn_seed() -> None:
    completed = run(["-"], stdin=json.dumps(INSTANCE))
    assert completed.returncode == 0, completed.stderr
    seed = json.loads(completed.stdout)["seed"]
    again = run(["-", "--seed", str(seed)], stdin=json.dumps(INSTANCE))
    assert json.loads(again.stdout) == json.loads(completed.stdout)


def test_total_priority_matches_ortools_on_a_random_instance(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    beds = rng.integers(0, 5, size=8).tolist()
    rows = []
    for _ in range(120):
        shelters = rng.choice(8, size=int(rng.integers(1, 4)), replace=False).tolist()
        rows.append(
            (int(rng.integers(1, 20)), shelters, rng.integers(0, 9, len(shelters)).tolist())
        )
    instance = {
        "shelters": [{"id": f"s{i}", "beds": b} for i, b in enumerate(beds)],
        "applicants": [
            {
                "id": f"a{i}",
                "priority": p,
                "eligible": [f"s{s}" for s in shelters],
                "match": {f"s{s}": m for s, m in zip(shelters, scores, strict=True)},
            }
            for i, (p, shelters, scores) in enumerate(rows)
        ],
    }
    path = tmp_path / "random.json"
    path.write_text(json.dumps(instance), encoding="utf-8")
    result = json.loads(run([str(path), "--seed", "1"]).stdout)
    assert (
        result["total_priority"] == ortools_best(make_problem(beds, rows), lexicographic=False)[0]
    )
    assert len(result["assignment"]) <= sum(beds)


def cli(args: list[str], stdin: str = "") -> tuple[int, str]:
    stdout = io.StringIO()
    return main(args, io.StringIO(stdin), stdout), stdout.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "JSON object"),
        ("{}", "missing 'shelters'"),
        ('{"shelters": [], "applicants": {}}', "list of objects"),
        ('{"shelters": [{"id": "s"}], "applicants": []}', "missing 'beds'"),
        ('{"shelters": [{"id": "s", "beds": "2"}], "applicants": []}', "integer"),
        (
            '{"shelters": [], "applicants": [{"id": "a", "priority": 1.5, "eligible": []}]}',
            "priority",
        ),
        (
            '{"shelters": [], "applicants": [{"id": "a", "priority": 1, "eligible": "s"}]}',
            "eligible",
        ),
        (
            '{"shelters": [], "applicants": [{"id": "a", "priority": 1, "eligible": ["s"]}]}',
            "unknown",
        ),
        (
            '{"shelters": [], "applicants": [{"id": "a", "priority": 1, "eligible": [], '
            '"match": []}]}',
            "match",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message(
    raw: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(["-"], raw)
    assert (code, out) == (2, "")
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "args", [[], ["a.json", "b.json"], ["--seed"], ["-", "--seed", "x"], ["-", "--seed", "-3"]]
)
def test_bad_arguments_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(args, json.dumps(INSTANCE))[0] == 2
    assert "error" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    completed = run([str(tmp_path / "nope.json")])
    assert completed.returncode == 2
    assert "cannot read" in completed.stderr


def test_help() -> None:
    code, out = cli(["--help"])
    assert code == 0
    assert "INSTANCE.json" in out


ROOM_INSTANCE = {
    "shelters": [
        {
            "id": "s1",
            "rooms": [
                {"id": "r1", "beds": 3, "gender": "open", "accessible": 1},
                {"id": "r2", "beds": 2, "gender": "women"},
            ],
        },
        {"id": "s2", "beds": 2, "rooms": [{"id": "r3", "beds": 2, "gender": "men"}]},
    ],
    "applicants": [
        {"id": "a1", "priority": 9, "eligible": ["s1"], "household": "h", "gender": "woman"},
        {"id": "a2", "priority": 8, "eligible": ["s1"], "household": "h", "gender": "man"},
        {
            "id": "a3",
            "priority": 7,
            "eligible": ["s1", "s2"],
            "gender": "man",
            "needs_accessible": True,
        },
        {"id": "a4", "priority": 6, "eligible": ["s1"], "gender": "woman"},
        {"id": "a5", "priority": 5, "eligible": ["s1"], "gender": "other"},
        {"id": "a6", "priority": 4, "eligible": ["s2"], "household": "g", "gender": "woman"},
        {"id": "a7", "priority": 4, "eligible": ["s2"], "household": "g", "gender": "man"},
    ],
}


def test_rooms_households_gender_and_accessible_beds_on_the_command_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rooms.json"
    path.write_text(json.dumps(ROOM_INSTANCE), encoding="utf-8")
    completed = run([str(path), "--seed", "3"])
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) == {
        "assignment",
        "total_priority",
        "total_match",
        "seed",
        "order",
        "ties",
        "cutoffs",
        "waiting",
        "rooms",
        "bound",
    }
    # the couple shares the open room; a3 needs the accessible bed: the open room has one,
    # the men's room none; a4 goes to the women's room; a5 (other) only fits no room left
    assert result["rooms"] == {"a1": "r1", "a2": "r1", "a3": "r1", "a4": "r2"}
    assert result["assignment"] == {"a1": "s1", "a2": "s1", "a3": "s1", "a4": "s1"}
    assert result["total_priority"] == result["bound"] == 30
    assert result["waiting"]["a5"]["reason"] == "shelters_full"
    assert result["waiting"]["a6"] == {
        "priority": 4,
        "reason": "no_room_fits",
        "lowest_placed": {},
        "lost_lottery": False,
        "household": "g",
    }


def test_without_rooms_the_output_has_no_room_keys() -> None:
    code, out = cli(["-", "--seed", "1"], json.dumps(INSTANCE))
    assert code == 0
    assert not {"rooms", "bound"} & set(json.loads(out))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gender": "female"}, "'gender' must be woman, man or other"),
        ({"needs_accessible": "yes"}, "'needs_accessible' must be true or false"),
    ],
)
def test_bad_room_fields_exit_2(
    change: dict[str, object], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = json.loads(json.dumps(ROOM_INSTANCE))
    instance["applicants"][0].update(change)
    assert cli(["-"], json.dumps(instance))[0] == 2
    assert message in capsys.readouterr().err


def test_a_bad_room_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    instance = json.loads(json.dumps(ROOM_INSTANCE))
    instance["shelters"][0]["rooms"][0]["gender"] = "mixed"
    assert cli(["-"], json.dumps(instance))[0] == 2
    assert "'gender' must be open, women or men" in capsys.readouterr().err
