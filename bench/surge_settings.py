"""Haven's settings, plus the bare baseline view of bench/surge.py (served only by the bench)."""

from haven.settings import *  # noqa: F403 - exactly Haven's settings, one line changed

ROOT_URLCONF = "bench.surge_urls"
