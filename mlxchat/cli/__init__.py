"""Thin command-line layer: parse arguments, call the core, hand results to the output modules."""
