"""A worker preload (distributed's ``dask_setup`` hook) for the command's
local cluster: its workers ignore Ctrl-C (SIGINT), which a terminal sends
to every process of the command. The command's own process stops the run
and shuts the cluster down, instead of each worker dying with a traceback.

The command's process keeps its own handler throughout: a Ctrl-C while the
cluster starts interrupts the run like any other.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT in this worker's process (called by distributed as the worker starts)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
