"""Entry point: ``mlxchat`` and ``python -m mlxchat``."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        # The most frequent probe of a tool's presence; answered without loading the CLI.
        from mlxchat import __version__

        sys.stdout.write(f"mlxchat {__version__}\n")
        sys.exit(0)
    if sys.argv[1:2] == ["history"]:
        # Finding something again (and TAB after --cid) without the command line's start-up.
        from mlxchat.cli.history_read import answer

        code = answer(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    from mlxchat.cli.app import run

    sys.exit(run())


if __name__ == "__main__":
    main()
