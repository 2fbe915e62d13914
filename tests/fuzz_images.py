"""A longer run of the damaged-file fuzz loop of tests/test_images_damaged.py (not collected by pytest).

    python -m tests.fuzz_images --seconds 300 --seed 7

Prepares damaged copies of every corpus file in-process until the time is up, and prints how many
were prepared, how many refused, and every other exception with the input that caused it (saved
under --keep DIR when given). Exit status 1 if any input raised something other than UsageError.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

from mlxchat.attachments import prepare_image_bytes
from mlxchat.errors import UsageError
from tests import imagehazards as hazards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="save inputs that crashed here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    files = hazards.fuzz_corpus()
    counts = {"ok": 0, "refused": 0, "crashed": 0}
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        for kind, data in files.items():
            for damaged in hazards.mutations(data, rng, 20):
                try:
                    prepare_image_bytes(damaged, name=kind, max_size=32)
                    counts["ok"] += 1
                except UsageError:
                    counts["refused"] += 1
                except Exception:
                    counts["crashed"] += 1
                    print(f"{kind}: {traceback.format_exc(limit=3)}", file=sys.stderr)
                    if args.keep is not None:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        (args.keep / f"crash-{counts['crashed']}-{kind}").write_bytes(damaged)
    print(" ".join(f"{key}={value}" for key, value in counts.items()))
    return 1 if counts["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
