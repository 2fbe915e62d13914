"""``mlxchat batch``: many chat turns from an input file, fanned out over profiles, resumable.

The pieces, in the order a request meets them:

- ``input.py`` reads the input lazily, one line at a time, into :class:`~mlxchat.batch.items.Item`
  (an OpenAI Batch line, a short-form line or a ``--text`` prompt) or ``BadLine``;
- ``lanes.py`` holds one lane per profile (its shared HTTP client, how many requests are in flight,
  whether it is in rotation) and picks the lane for the next request;
- ``retry.py`` decides what a failed try means: retry here, retry elsewhere, or the end;
- ``runner.py`` dispatches, runs each try with ``run_turn`` in a worker thread, and stops on Ctrl-C;
- ``results.py`` turns what came of a request into its result line (OpenAI Batch output, the short
  form, or ``--events``); ``writer.py`` writes whole lines, flushed, in completion or input order;
- ``resume.py`` refuses, replaces or continues an existing output file;
- ``job.py`` puts them together for the command; ``progress.py`` shows progress and the summary.

The core never prints: the progress and summary go through mlxchat.terminal. docs/batch.md
describes the command.
"""
