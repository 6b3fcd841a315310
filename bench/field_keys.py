"""What a data key per person costs: sealing and opening values, against the master key alone.

Run it as ``python -m bench.field_keys [--count 10000] [--repeat 5]``; it is a script, not a
test, and needs no database. Each of ``--count`` values (a contact-sized text) belongs to a
different person, so with per-person keys every value needs its own data key:

* master key: ``seal`` / ``open_sealed`` (``enc1:``), as before data keys;
* data keys, cold: ``seal_with`` / ``open_with`` with the key cache emptied before each pass,
  so every value unwraps its person's key (a page showing many people, a job over everyone);
* data keys, warm: the same with the keys already unwrapped (several values of one person in
  one request).

Prints the best of ``--repeat`` runs, in microseconds per value.
"""

from __future__ import annotations

import argparse
import base64
import os
import time
from collections.abc import Callable, Sequence


def best_of(repeat: int, action: Callable[[], object], before: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    from django.conf import settings

    settings.configure(FIELD_KEYS=[base64.urlsafe_b64encode(os.urandom(32)).decode()])
    from haven.lib import crypto

    count, repeat = options.count, options.repeat
    texts = [f"@person_{i:06d} +7 701 {i:07d}" for i in range(count)]
    keys = [crypto.new_data_key() for _ in range(count)]
    crypto.forget_data_keys()
    master = [crypto.seal(text) for text in texts]
    personal = [crypto.seal_with(key, text) for key, text in zip(keys, texts, strict=True)]
    crypto.KEY_CACHE_SIZE = max(crypto.KEY_CACHE_SIZE, count)  # warm means every key cached

    def nothing() -> None:
        pass

    def warm_up() -> None:
        for key in keys:
            crypto.seal_with(key, "")

    Action = Callable[[], object]
    cases: dict[str, tuple[Action, Action, Action]] = {
        "master key": (
            lambda: [crypto.seal(text) for text in texts],
            lambda: [crypto.open_sealed(token) for token in master],
            nothing,
        ),
        "data keys, cold": (
            lambda: [crypto.seal_with(k, t) for k, t in zip(keys, texts, strict=True)],
            lambda: [crypto.open_with(k, t) for k, t in zip(keys, personal, strict=True)],
            crypto.forget_data_keys,
        ),
        "data keys, warm": (
            lambda: [crypto.seal_with(k, t) for k, t in zip(keys, texts, strict=True)],
            lambda: [crypto.open_with(k, t) for k, t in zip(keys, personal, strict=True)],
            warm_up,
        ),
    }
    print(f"{count:,} values, one person each; best of {repeat}; microseconds per value")
    print(f"{'':18}{'seal':>8}{'open':>8}")
    for name, (seal_all, open_all, before) in cases.items():
        sealing = best_of(repeat, seal_all, before) / count * 1e6
        opening = best_of(repeat, open_all, before) / count * 1e6
        print(f"{name:18}{sealing:8.2f}{opening:8.2f}")


if __name__ == "__main__":
    main()
