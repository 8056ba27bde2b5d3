"""Joining a Reverb server that runs elsewhere: connect with backoff, notice when it goes
away and comes back (actors and learner of a split run use these)."""
import threading
import time
from typing import Callable, Iterable, Optional

import reverb

from tfrainbow.errors import ConfigError, ReverbUnavailableError
from tfrainbow.runtime.run_utils import check_address


def wait_for_server(address: str, timeout_s: float, tables: Iterable[str] = (),
                    should_stop: Callable[[], bool] = lambda: False, log=print,
                    first_delay_s: float = 0.5, max_delay_s: float = 15.0) -> reverb.Client:
    """A client once the server at `address` answers, retrying with exponential backoff
    (one log line, not one per try). After `timeout_s` without an answer: one clear error.
    The server must serve `tables`, else ConfigError (it was started for the other agent)."""
    client, delay, said = reverb.Client(check_address(address)), first_delay_s, False
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            info = client.server_info(timeout=max(1, int(min(delay, 5))))
            break
        except (reverb.errors.DeadlineExceededError, RuntimeError):
            left = deadline - time.monotonic()
            if left <= 0 or should_stop():
                raise ReverbUnavailableError(
                    f"No Reverb server answered at {address} within {timeout_s:g} s: start "
                    "binaries.reverb_server first or fix --reverb_address.") from None
            if not said:
                log(f"Reverb server at {address} not reachable yet; retrying with backoff "
                    f"(up to {timeout_s:g} s).")
                said = True
            time.sleep(min(delay, max(left, 0.0)))
            delay = min(2 * delay, max_delay_s)
    missing = sorted(set(tables) - set(info))
    if missing:
        raise ConfigError(f"The Reverb server at {address} serves {sorted(info)}, not "
                          f"{missing}: start binaries.reverb_server with the same --agent "
                          "and gin as this process.")
    if said:
        log(f"Reverb server at {address} answered.")
    return client


class ServerWatch:
    """Polls the server every `period_s` in a thread and logs one line when it stops
    answering and one when it is back. Reverb's writers and datasets retry by themselves;
    this only tells the user why the process is waiting. `up` is the last verdict."""

    def __init__(self, client: reverb.Client, address: str, period_s: float = 2.0, log=print):
        self.client, self.address, self.period_s, self.log = client, address, period_s, log
        self.up = threading.Event()
        self.up.set()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self):
        """Starts watching in a daemon thread."""
        self._thread = threading.Thread(target=self._watch, name="server-watch", daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(self.period_s):
            try:
                self.client.server_info(timeout=max(1, int(self.period_s)))
                if not self.up.is_set():
                    self.log(f"Reverb server at {self.address} is back; resuming.")
                    self.up.set()
            except (reverb.errors.DeadlineExceededError, RuntimeError):
                if self.up.is_set():
                    self.log(f"Lost the Reverb server at {self.address}; waiting for it to "
                             "come back (writes are retried).")
                    self.up.clear()

    def close(self):
        """Stops watching."""
        self._stop.set()
