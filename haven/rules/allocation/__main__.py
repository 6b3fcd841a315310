"""``python -m haven.rules.allocation INSTANCE.json [--seed N]`` (see ``cli``)."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout))
