"""The chat core: build a request, stream it from a profile's server, and turn it into typed events.

Nothing in this package prints; the writers in mlxchat.output consume the events.
"""
