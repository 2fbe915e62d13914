"""Running servers: command lines per kind, the one gateway for child processes, pid records,
locks, readiness, start/stop and status. Nothing here prints; the CLI reports what it returns."""
