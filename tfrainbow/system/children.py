"""Child processes end with their parent: a parent killed outright (kill -9 runs no clean-up)
must not leave its workers spinning on a server that died with it."""
import ctypes
import multiprocessing
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent():
    """Asks the kernel to SIGKILL this process when its parent exits (Linux), and exits now
    if the parent is already gone (it may have died before the request)."""
    parent = multiprocessing.parent_process()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the stop event and the server's loss still end the actor
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)
