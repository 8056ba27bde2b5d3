"""A run directory is held by one process at a time: an advisory lock (flock) on the
directory itself, which the kernel releases when its holder exits, however it dies (kill -9
included), so a killed run never leaves its directory stuck. Nothing is written into the
directory; the holder is named from /proc/locks."""
import fcntl
import os

from tfrainbow.errors import RunDirBusyError


def lock_holder(path: str) -> str:
    """'process PID (its command line)' holding a flock on `path`, from /proc/locks."""
    st = os.stat(path)
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()
                if "FLOCK" in fields and fields[fields.index("FLOCK") + 4] == inode:
                    pid = fields[fields.index("FLOCK") + 3]
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as c:
                            command = " ".join(c.read().replace(b"\0", b" ").decode().split())
                    except OSError:
                        command = ""
                    return f"process {pid}" + (f" ({command[:120]})" if command else "")
    except (OSError, IndexError, ValueError):
        pass
    return "another process"


class RunDirLock:
    """Holds root_dir from construction until release() or the process's end."""

    def __init__(self, root_dir: str):
        self.root_dir = root_dir
        self._fd = os.open(root_dir, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise RunDirBusyError(
                f"{root_dir} is in use by {lock_holder(root_dir)}: wait for it to end (or "
                "stop it), or use another --root_dir.") from None

    def release(self):
        """Lets another process take the run directory."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
