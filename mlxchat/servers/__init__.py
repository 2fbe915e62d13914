"""Running servers: the server kinds (one module each in ``kinds/``: rules, command line,
readiness), the one gateway for child processes, pid records, start/stop, status, logs, ports.
Nothing here prints; the CLI reports what it returns."""
