"""gunicorn's settings file, read from the directory gunicorn starts in (its default
`-c ./gunicorn.conf.py`); options on the command line still win.

Only the bookkeeping of prometheus_client's multiprocess mode lives here (README, Metrics):
with PROMETHEUS_MULTIPROC_DIR set, every worker writes its counters to files in that
directory and `/metrics` adds them up. Without the variable both hooks do nothing.
"""
from __future__ import annotations

import glob
import os
from typing import Any


def on_starting(server: Any) -> None:
    """Empty the directory as the master starts: a previous run's files would be added to this one's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)


def child_exit(server: Any, worker: Any) -> None:
    """Forget a dead worker's live gauges (connections in use); its counters are kept, as they should."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
