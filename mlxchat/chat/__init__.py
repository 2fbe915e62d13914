"""The chat core: build a request, stream it from a profile's server, and turn it into typed events.

Nothing in this package prints; mlxchat.output and mlxchat.render consume the events.
"""
