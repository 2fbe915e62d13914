"""``mlxchat start|stop|restart|status|logs``: thin commands over mlxchat.servers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from rich.status import Status

    from mlxchat.profile import Profile
    from mlxchat.servers.lifecycle import StartOutcome, StartProgress, StopOutcome
    from mlxchat.servers.status import StatusRow
    from mlxchat.terminal import Terminal


def _seconds(value: float) -> float:
    """A number of seconds: finite, 0 or more (``nan``, ``inf`` and negatives are refused, exit 2)."""
    if not (value >= 0 and value != float("inf")):
        raise typer.BadParameter(f"must be a number of seconds, 0 or more (got {value:g})")
    return value


NameArg = Annotated[str, typer.Argument(help="Profile name.", metavar="NAME")]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", metavar="SECONDS", help="How long to wait for the server to be ready.", callback=_seconds
    ),
]
NoWaitOpt = Annotated[bool, typer.Option("--no-wait", help="Return once the server is launched.")]
GraceOpt = Annotated[
    float,
    typer.Option(
        "--grace",
        metavar="SECONDS",
        help="Wait after SIGINT, and again after SIGTERM, before SIGKILL.",
        callback=_seconds,
    ),
]
PLAIN_PROGRESS_EVERY = 5.0


class _ProgressView:
    """A spinner with elapsed time and the last log line on a terminal; sparse plain lines otherwise."""

    def __init__(self, term: Terminal, name: str) -> None:
        self.term = term
        self.name = name
        self.status: Status | None = None
        self.next_plain = PLAIN_PROGRESS_EVERY
        self.last_phase = ""

    def __enter__(self) -> _ProgressView:
        if self.term.stderr_isatty:
            self.status = self.term.err_console().status(f"starting {self.name}")
            self.status.__enter__()
        else:
            self.term.info(f"starting {self.name} ...")
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_spinner()

    def _end_spinner(self) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)
            self.status = None

    def note(self, message: str) -> None:
        """What an interrupted start is doing: said at once, on its own line (the terminal may be
        gone after a SIGHUP: then it is said to no one, and the clean-up goes on)."""
        import contextlib

        with contextlib.suppress(Exception):
            self._end_spinner()
            self.term.info(message)

    def __call__(self, p: StartProgress) -> None:
        line = p.last_log_line or ""
        if self.status is not None:
            from rich.text import Text

            text = Text(f"{p.phase} {self.name}: {p.elapsed:.0f} s")
            if line:
                text.append("  " + line[:100], style="dim")
            self.status.update(text)
            return
        if p.phase != self.last_phase and p.phase.startswith("waiting"):
            self.term.info(f"{self.name} is already being started by another mlxchat; waiting for it")
        self.last_phase = p.phase
        if p.elapsed >= self.next_plain:
            self.next_plain = p.elapsed + PLAIN_PROGRESS_EVERY
            self.term.info(
                f"{p.phase} {self.name}: {p.elapsed:.0f} s" + (f"; log: {line[:100]}" if line else "")
            )


def _report_start(term: Terminal, outcome: StartOutcome, name: str, waited: bool) -> None:
    """What a start found or did; a server found starting or unhealthy is exit 3 (as `status NAME`)."""
    from mlxchat.servers.running import running_profile_url
    from mlxchat.urls import is_wildcard

    for note in outcome.notes:
        term.info(note)
    problem = outcome.problem(name)
    if problem is not None:
        raise problem
    record = outcome.record
    assert record is not None  # a start found in progress without a record is a problem
    where = running_profile_url(record)
    if is_wildcard(record.host):
        where += f", listening on {record.host or '*'}"
    if outcome.already == "running":
        term.info(f"{name} is already running (pid {record.pid}, {where})")
    elif waited:
        term.info(f"{name} is ready (pid {record.pid}, {where})")
    else:
        term.info(f"{name} launched (pid {record.pid}, {where}); see: mlxchat status {name}")


def _local_profile(name: str, term: Terminal, verb: str) -> Profile | None:
    from mlxchat.profile_store import get_profile
    from mlxchat.servers.kinds import kind_of

    profile = get_profile(name)
    if kind_of(profile).is_remote:
        term.info(f"{name} is a remote profile ({profile.base_url()}): nothing to {verb}")
        return None
    return profile


def _start(name: NameArg, timeout: TimeoutOpt = 300.0, no_wait: NoWaitOpt = False) -> None:
    """Start a profile's server in the background and wait until it is ready."""
    from mlxchat.terminal import Terminal

    term = Terminal()
    profile = _local_profile(name, term, "start")
    if profile is None:
        return
    _start_and_report(term, profile, timeout=timeout, no_wait=no_wait)


def _start_and_report(term: Terminal, profile: Profile, *, timeout: float, no_wait: bool) -> None:
    from mlxchat.servers.lifecycle import start_server

    if no_wait:
        outcome = start_server(profile, timeout=timeout, wait=False, notice=term.info)
    else:
        with _ProgressView(term, profile.name) as view:
            outcome = start_server(profile, timeout=timeout, wait=True, progress=view, notice=view.note)
    _report_start(term, outcome, profile.name, waited=not no_wait)


def _report_stop(term: Terminal, outcome: StopOutcome) -> None:
    name = outcome.profile
    how = "" if outcome.signal == "SIGINT" else f" (needed {outcome.signal})"
    cleaned = "record cleaned" if outcome.record_left is None else "its record could not be removed"
    if outcome.orphans:
        term.info(f"{name} had exited; stopped the processes it left behind{how}")
    elif outcome.stopped:
        term.info(f"stopped {name} (pid {outcome.pid}){how}")
    elif outcome.other_boot:
        term.info(f"{name} is not running (its record is from before the machine last started); {cleaned}")
    elif outcome.stale:
        term.info(f"{name} is not running (its process {outcome.pid} had exited); {cleaned}")
    elif outcome.by_another_stop:
        term.info(f"{name} was stopped by another mlxchat stop meanwhile")
    else:
        term.info(f"{name} is not running")
    if outcome.record_left is not None:
        term.warn(
            f"could not remove its run record {outcome.record_left}: it is harmless (it names a process "
            "that is gone) and the next mlxchat that can write there cleans it"
        )


def _stop(
    name: Annotated[str | None, typer.Argument(help="Profile name.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Stop every profile's server.")] = False,
    grace: GraceOpt = 10.0,
) -> None:
    """Stop a profile's server and everything it started (SIGINT, then SIGTERM, then SIGKILL)."""
    from mlxchat.errors import UsageError
    from mlxchat.profile import check_name
    from mlxchat.servers.lifecycle import stop_recorded
    from mlxchat.servers.records import all_records, read_record
    from mlxchat.terminal import Terminal

    term = Terminal()
    if (name is None) == (not all_):
        raise UsageError("give a profile NAME or --all (not both)")
    if all_:
        # The records say what runs, whatever the profiles say now (changed, remote, removed).
        records = all_records()
        for record_name in sorted(records):
            _report_stop(term, stop_recorded(record_name, grace=grace))
        if not records:
            term.info("no servers are running")
        return
    assert name is not None
    check_name(name)
    if read_record(name) is None and _local_profile(name, term, "stop") is None:
        return
    _report_stop(term, stop_recorded(name, grace=grace))


def _restart(
    name: NameArg, timeout: TimeoutOpt = 300.0, no_wait: NoWaitOpt = False, grace: GraceOpt = 10.0
) -> None:
    """Stop a profile's server (if running) and start it again."""
    from contextlib import ExitStack

    from mlxchat.servers.lifecycle import restart
    from mlxchat.terminal import Terminal

    term = Terminal()
    profile = _local_profile(name, term, "restart")
    if profile is None:
        return
    with ExitStack() as stack:
        views: list[_ProgressView] = []

        def notice(message: str) -> None:
            (views[0].note if views else term.info)(message)

        def stopped(outcome: StopOutcome) -> None:
            if outcome.stopped:
                _report_stop(term, outcome)
            if not no_wait:  # the progress display begins with the start
                views.append(stack.enter_context(_ProgressView(term, name)))

        def progress(p: StartProgress) -> None:
            views[0](p)

        _, outcome = restart(
            profile,
            timeout=timeout,
            wait=not no_wait,
            grace=grace,
            progress=None if no_wait else progress,
            on_stopped=stopped,
            notice=notice,
        )
    _report_start(term, outcome, name, waited=not no_wait)


def _status(
    name: Annotated[str | None, typer.Argument(help="Only this profile.")] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print a JSON array (stable keys, docs/servers.md).")
    ] = False,
) -> None:
    """One line per profile (and per server still running without one): state, pid, port, uptime,
    memory, model. With NAME: exit 3 unless running."""
    from mlxchat.exitcodes import ExitCode
    from mlxchat.profile import check_name
    from mlxchat.profile_store import load_profiles, unknown_profile
    from mlxchat.servers.records import read_record
    from mlxchat.servers.status import collect
    from mlxchat.terminal import Terminal

    term = Terminal()
    profiles = load_profiles()
    if name:
        check_name(name)
        record = read_record(name)
        if name not in profiles and record is None:
            raise unknown_profile(name, sorted(profiles))
        chosen = [profiles[name]] if name in profiles else []
        rows = collect(chosen, {name: record} if record is not None else {})
    else:
        rows = collect([p for _, p in sorted(profiles.items())])
    if json_:
        import json

        term.write_out(json.dumps([r.to_json() for r in rows], indent=2) + "\n")
    elif not rows:
        term.info("no profiles yet: mlxchat profile add NAME --model-path DIR")
    else:
        _status_table(term, rows)
    for r in rows:
        _status_warnings(term, r)
    if name and rows[0].state != "running":
        raise typer.Exit(int(ExitCode.UNREACHABLE))


def _status_table(term: Terminal, rows: list[StatusRow]) -> None:
    from mlxchat.output.table import table
    from mlxchat.units import human_bytes, human_duration

    lines = [
        [
            r.name,
            r.state,
            str(r.pid) if r.pid else "-",
            str(r.port) if r.port else (r.url or "-"),
            "-" if r.uptime_seconds is None else human_duration(r.uptime_seconds),
            "-" if r.memory_bytes is None else human_bytes(r.memory_bytes),
            r.model,
        ]
        for r in rows
    ]
    term.write_out(table(["NAME", "STATE", "PID", "PORT", "UPTIME", "MEMORY", "MODEL"], lines))


def _status_warnings(term: Terminal, r: StatusRow) -> None:
    if r.state == "crashed" and r.leftovers:
        term.warn(
            f"{r.name} had crashed and left child processes running: mlxchat stop {r.name}; "
            f"its log: mlxchat logs {r.name}"
        )
    elif r.state == "crashed":
        term.warn(f"{r.name} had crashed (record cleaned); its log: mlxchat logs {r.name}")
    for note in r.notes:
        term.warn(note)


def _logs(
    name: NameArg,
    lines: Annotated[int, typer.Option("-n", "--lines", metavar="N", help="How many last lines.")] = 50,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing new lines (Ctrl-C ends).")
    ] = False,
) -> None:
    """Print the last lines of a profile's server log; -f follows it."""
    from mlxchat.errors import UsageError
    from mlxchat.profile_store import get_profile
    from mlxchat.servers.kinds import kind_of
    from mlxchat.servers.logs import follow as follow_log
    from mlxchat.servers.logs import log_path, tail_lines
    from mlxchat.terminal import Terminal

    term = Terminal()
    profile = get_profile(name)
    if lines < 0:
        raise UsageError("-n must be 0 or more")
    path = log_path(profile.name)
    if kind_of(profile).is_remote:
        term.info(f"{name} is a remote profile: mlxchat keeps no log of it")
        return
    if not path.exists() and not follow:
        term.info(_no_log(name, path))
        return
    try:
        printed_up_to: int | None = path.stat().st_size
    except OSError:
        printed_up_to = None
    text = "".join(line + "\n" for line in tail_lines(path, lines, up_to=printed_up_to))
    term.write_out(text)
    if not follow:
        return
    try:
        for line in follow_log(path, since=printed_up_to):
            term.write_out(line + "\n")
    except KeyboardInterrupt:
        return  # Ctrl-C is how following ends: a normal end


def _no_log(name: str, path: Path) -> str:
    """Why there is no log to show: deleted under a running server, or never written (or deleted)."""
    from mlxchat.servers.records import read_record

    record = read_record(name)
    if record is not None and record.live_process() is not None:
        return (
            f"the log of {name} ({path}) was deleted while its server runs (pid {record.pid}): what it "
            f"writes now cannot be read; `mlxchat restart {name}` starts a new log"
        )
    return f"no log for {name} at {path} (none written yet: it is written from the first start; or deleted)"


def register(app: typer.Typer) -> None:
    app.command("start")(_start)
    app.command("stop")(_stop)
    app.command("restart")(_restart)
    app.command("status")(_status)
    app.command("logs")(_logs)
