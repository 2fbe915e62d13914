"""The shared process table finds the same descendants as psutil's own walk (real processes)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from mlxchat.servers.process import ProcessTable, tree_rss

GRANDPARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"])
print("ready", flush=True)
time.sleep(60)
"""


def test_descendants_and_memory_match_psutil() -> None:
    top = subprocess.Popen([sys.executable, "-c", GRANDPARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert top.stdout is not None and top.stdout.readline().strip() == "ready"
        proc = psutil.Process(top.pid)
        deadline = time.monotonic() + 10
        while len(proc.children(recursive=True)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = proc.children()
        (grandchild,) = child.children()
        table = ProcessTable()
        assert sorted(table.descendants(top.pid)) == sorted([child.pid, grandchild.pid])
        assert table.descendants(child.pid) == [grandchild.pid]
        assert table.descendants(grandchild.pid) == []
        with_table, walked = tree_rss(proc, table), tree_rss(proc)
        assert with_table > 3 * 1_000_000  # three Python processes
        assert abs(with_table - walked) < 0.2 * walked
    finally:
        for p in [proc, *proc.children(recursive=True)]:
            p.kill()
        top.wait(timeout=10)
