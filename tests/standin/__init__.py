"""A small OpenAI-compatible stand-in server that can be told to misbehave (see server.py)."""
