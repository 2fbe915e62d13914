"""Profiles and lifecycle: `mlxchat profile list` and `mlxchat status` with 20 profiles (half of
them running stand-in servers), and how soon `start` notices that a server became ready.

Goals (issue 3): list and status each under 150 ms wall; readiness noticed within 100 ms.
Issue 10: status must not get slower from reading more records (within 1.2x of the code before it).
With MLXCHAT_BENCH_AGAINST=DIR (benchmarks/against.py) `status` of that checkout runs too,
interleaved, on the same profiles, servers and records, reported as wall and CPU ratios.
Runnable alone (`python -m benchmarks.bench_profiles`) or through benchmarks/run.py.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.against import ratio_line, sides  # noqa: E402
from benchmarks.timing import interleaved, report  # noqa: E402

STANDIN = REPO / "tests" / "standin" / "server.py"
PROFILES = 20


def _template(*flags: str) -> str:
    return " ".join(
        [shlex.quote(sys.executable), shlex.quote(str(STANDIN)), "--host {host} --port {port}", *flags]
    )


def _setup(home: Path) -> list[str]:
    """20 command profiles on free ports; start every other one. Returns the started names."""
    from mlxchat.profile import Profile
    from mlxchat.profile_store import load_profiles, save_profile
    from mlxchat.servers import lifecycle
    from mlxchat.servers.ports import pick_free_port

    os.environ["MLXCHAT_HOME"] = str(home)
    for i in range(PROFILES):
        taken = [p.port for p in load_profiles().values() if p.port]
        save_profile(
            Profile(
                name=f"p{i:02d}",
                server="command",
                command=_template(),
                port=pick_free_port("127.0.0.1", taken),
            )
        )
    started = []
    for name, profile in sorted(load_profiles().items())[::2]:
        lifecycle.start(profile, timeout=60)
        started.append(name)
    return started


def _teardown(names: list[str]) -> None:
    from mlxchat.servers import lifecycle

    for name in names:
        lifecycle.stop_recorded(name, grace=5)


def _readiness_lag(runs: int = 5) -> list[float]:
    """Seconds between the stand-in binding its port and `start` returning (in-process)."""
    from mlxchat.profile import Profile
    from mlxchat.profile_store import load_profiles, save_profile
    from mlxchat.servers import lifecycle
    from mlxchat.servers.logs import log_path
    from mlxchat.servers.ports import pick_free_port

    save_profile(
        Profile(
            name="ready",
            server="command",
            command=_template("--startup-delay", "0.7", "--announce-time"),
            port=pick_free_port("127.0.0.1", [p.port for p in load_profiles().values() if p.port]),
        )
    )
    from mlxchat.profile_store import get_profile

    profile = get_profile("ready")
    lags = []
    for _ in range(runs):
        size = log_path("ready").stat().st_size if log_path("ready").exists() else 0
        lifecycle.start(profile, timeout=60)
        returned = time.time()
        text = log_path("ready").read_text()[size:]
        bound = float(re.findall(r"standin: bound at ([\d.]+)", text)[-1])
        lags.append(returned - bound)
        lifecycle.stop_recorded(profile.name, grace=5)
    return lags


def main(runs: int = 10) -> None:
    python = sys.executable
    saved = os.environ.get("MLXCHAT_HOME")
    with tempfile.TemporaryDirectory(prefix="mlxchat-bench-") as tmp:
        home = Path(tmp)
        started = _setup(home)
        commands: dict[str, Sequence[str]] = {
            "baseline": [python, "-c", "pass"],
            "list": [python, "-m", "mlxchat", "profile", "list"],
            "status": [python, "-m", "mlxchat", "status"],
        }
        against = sides("status")
        if "other" in against:
            commands |= {f"status {side}": argv for side, argv in against.items()}
        cpu: dict[str, list[float]] = {}
        try:
            samples = interleaved(commands, runs=runs, env={"MLXCHAT_HOME": str(home)}, cpu=cpu)
        finally:
            _teardown(started)
        base = samples["baseline"]
        print(report(f"profile list ({PROFILES} profiles)", samples["list"], base, "python -c pass"))
        print(
            report(
                f"status ({PROFILES} profiles, {len(started)} running)",
                samples["status"],
                base,
                "python -c pass",
            )
        )
        if "status other" in samples:
            wall = {side: samples[f"status {side}"] for side in ("this", "other")}
            print(ratio_line("status", wall, {side: cpu[f"status {side}"] for side in ("this", "other")}))
        lags = _readiness_lag()
        print(
            f"readiness noticed after the port opened: median {statistics.median(lags) * 1000:.1f} ms, "
            f"max {max(lags) * 1000:.1f} ms ({len(lags)} starts)"
        )
    if saved is None:
        os.environ.pop("MLXCHAT_HOME", None)
    else:
        os.environ["MLXCHAT_HOME"] = saved


if __name__ == "__main__":
    main()
