"""The chat core: options -> request -> stream -> typed events -> a sink, one turn at a time.

Nothing in this package prints; the writers in mlxchat.output consume the events.
"""
