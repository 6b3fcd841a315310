"""deploy/ starts in production and runs every job (docs/deployment.md)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from django.core.management import get_commands

from tests.test_settings import ROOT, run_manage

DEPLOY = ROOT / "deploy"


def example_environment() -> dict[str, str]:
    """deploy/haven.env as systemd reads it (KEY=value lines, optional double quotes)."""
    env = {}
    for line in (DEPLOY / "haven.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value.strip('"')
    return env


def test_the_example_environment_passes_the_production_checks(tmp_path: Path) -> None:
    env = example_environment()
    # The example names files under /etc/haven/secrets; give it real ones.
    secrets = {
        "HAVEN_SECRET_KEY_FILE": "p" * 30 + "-production-secret-key-0123456789abcdef",
        "HAVEN_FIELD_KEYS_FILE": base64.urlsafe_b64encode(b"k" * 32).decode(),
    }
    for name, value in secrets.items():
        assert env[name].startswith("/etc/haven/secrets/")
        path = tmp_path / name
        path.write_text(value)
        env[name] = str(path)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_example_environment_names_only_variables_haven_reads() -> None:
    settings_source = (ROOT / "haven" / "settings.py").read_text()
    for name in example_environment():
        if name.startswith("HAVEN_"):
            assert f'"{name.removesuffix("_FILE")}"' in settings_source, name


def _read(relative: str) -> str:
    return (ROOT / relative).read_text()


def scheduled_units() -> dict[str, str]:
    """Timer file name -> the unit it starts."""
    units = {}
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        found = re.search(r"^Unit=(\S+)$", timer.read_text(), re.MULTILINE)
        assert found is not None, timer.name
        units[timer.name] = found.group(1)
    return units


def test_every_job_in_the_jobs_guide_has_a_timer_and_every_timer_a_command() -> None:
    rows = re.findall(r"^\| `python manage\.py (\w+)[^|]*\| ([^|]*)\|", _read("docs/jobs.md"), re.M)
    # Commands run by hand (rotating keys) are documented there too, but need no timer.
    documented = {name for name, when in rows if not when.strip().startswith("by hand")}
    by_hand = {name for name, when in rows if when.strip().startswith("by hand")}
    assert "expire_offers" in documented
    commands = get_commands()
    assert by_hand <= set(commands)
    scheduled = set()
    for timer, unit in scheduled_units().items():
        job = re.fullmatch(r"haven-job@(\w+)\.service", unit)
        if job:
            assert job.group(1) in commands, timer
            scheduled.add(job.group(1))
        else:
            service = _read(f"deploy/systemd/{unit}")
            scheduled.update(c for c in commands if f"manage.py {c} " in service)
    assert documented | {"backup", "restore"} <= scheduled


def test_the_intake_queue_is_switched_on_only_with_its_worker() -> None:
    # A queue with no worker would acknowledge applications that no reviewer ever sees.
    assert example_environment()["HAVEN_INTAKE_WORKER"] == "true"
    service = _read("deploy/systemd/haven-intake.service")
    assert "ExecStart=/srv/haven/.venv/bin/python manage.py process_intake --follow" in service
    assert "EnvironmentFile=/etc/haven/haven.env" in service
    assert "process_intake" in get_commands()
    steps = _read("docs/deployment.md")
    assert "`haven-intake.service`" in steps


def _directives(unit: str) -> dict[str, str]:
    """The active ``Name=value`` lines of a systemd unit (comments left out)."""
    lines = _read(unit).splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_intake_worker_yields_the_cpu_to_the_app_server() -> None:
    # In a surge people must get their codes first. The scheduling policy alone is not
    # enough: the kernel shares the CPU between services first (control groups, or sessions
    # when no controller is on), so an idle-policy worker still took an equal share from the
    # app server (bench/surge.py). The service's control group must be idle too.
    worker = _directives("deploy/systemd/haven-intake.service")
    assert worker["CPUWeight"] == "idle"
    assert worker["CPUSchedulingPolicy"] == "idle"
    web = _directives("deploy/systemd/haven-web.service")
    assert "CPUWeight" not in web
    assert "CPUSchedulingPolicy" not in web
