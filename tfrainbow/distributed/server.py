"""A standalone Reverb server for one agent's tables, checkpointed to disk periodically and
restored from its latest checkpoint on start (binaries/reverb_server.py runs it)."""
import os
import threading
import time
from typing import Dict, Optional

import gin
import reverb

from tfrainbow import builders, envs, specs
from tfrainbow.errors import CheckpointMismatchError, first_line
from tfrainbow.runtime.run_utils import writable_root_dir
from tfrainbow.system import loopback
from tfrainbow.system.run_lock import RunDirLock


@gin.configurable
class ReverbService:
    """Serves the tables of `agent_kind` ('rainbow': replay + variables; 'impala': unroll
    queue + variables), built from the same gin as training, on `port`.

    Checkpoints go to root_dir/replay every `checkpoint_interval_s` seconds and when the
    service stops; a new service on the same root_dir starts from the latest one.
    """

    def __init__(self, root_dir: str, agent_kind: str, port: int,
                 checkpoint_interval_s: float = 300.0, log=print):
        self.root_dir = writable_root_dir(root_dir)
        self._lock = RunDirLock(self.root_dir)  # one server per replay directory
        self.checkpoint_interval_s, self.log = float(checkpoint_interval_s), log
        tables = builders.builder_for(agent_kind).make_tables(
            specs.specs_from_env(envs.make_env()))  # from the specs: no agent is built
        checkpoints = os.path.join(self.root_dir, "replay")
        loopback.check_port_free(port)  # else Reverb's failure reads like a checkpoint's
        try:
            self.server = reverb.Server(tables, port=int(port),
                                        checkpointer=reverb.checkpointers.DefaultCheckpointer(
                                            checkpoints))
        except (RuntimeError, ValueError) as error:
            raise CheckpointMismatchError(
                f"Reverb could not start from {checkpoints} ({first_line(error)[:200]}): "
                "serve it with the gin it was written with, or use a new --root_dir.") from None
        self.port = int(port)
        self.client = reverb.Client(f"localhost:{self.port}")

    def item_counts(self) -> Dict[str, int]:
        """Items in each table now."""
        return {name: info.current_size for name, info in self.client.server_info().items()}

    def checkpoint(self) -> str:
        """Writes a checkpoint of every table; returns its path."""
        return self.client.checkpoint()

    def run(self, stop: threading.Event, ready: Optional[threading.Event] = None):
        """Serves until `stop` is set, checkpointing every checkpoint_interval_s and once
        more at the end."""
        self.log(f"Reverb server on port {self.port}: {self._counts_text()} "
                 f"(checkpoints in {self.root_dir}/replay every "
                 f"{self.checkpoint_interval_s:g} s).")
        if ready is not None:
            ready.set()
        next_checkpoint = time.monotonic() + self.checkpoint_interval_s
        try:
            while not stop.wait(timeout=max(0.0, next_checkpoint - time.monotonic())):
                next_checkpoint = time.monotonic() + self.checkpoint_interval_s
                self._checkpoint_and_log()
        finally:
            self._checkpoint_and_log()
            self.server.stop()
            self._lock.release()

    def _counts_text(self) -> str:
        return ", ".join(f"{n:,} items in '{name}'" for name, n in self.item_counts().items())

    def _checkpoint_and_log(self):
        # Counted as the write begins: inserts go on meanwhile, and a count taken after the
        # write claimed more items than a restore then found.
        counts = self._counts_text()
        path = self.checkpoint()
        self.log(f"Checkpoint {path}: {counts} (as the write began).")
