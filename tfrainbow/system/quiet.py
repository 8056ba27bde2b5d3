"""Quiet by default: drops the INFO lines Reverb's C++ core prints on every start,
checkpoint and stop, ale-py's banner, and XLA's once-per-process "Compiled cluster" INFO line
(with absl's preamble). Everything else on stderr, errors and warnings included, passes."""
import atexit
import os
import sys

# Reverb logs these unconditionally (no log level reaches its C++ logger).
REVERB_INFO = (b"Initializing TFRecordCheckpointer", b"Loading latest checkpoint",
               b"Started replay server", b"are owned by the same process",
               b"Stored checkpoint to", b"Shutting down replay server",
               # Restoring a checkpoint (the server prints its item counts itself).
               b"Loading checkpoint from", b"Loading and verifying metadata",
               b"was successfully loaded and verified", b"Successfully loaded",
               b"Still reading compressed trajectory data",
               b"Completed reading compressed trajectory data",
               b"have been successfully loaded from checkpoint")


# ale-py's banner, printed whenever an Atari ROM loads (in every actor process).
ALE_BANNER = (b"A.L.E: Arcade Learning Environment", b"[Powered by Stella]")


# XLA's INFO line on its first compilation (absl logging, which TF_CPP_MIN_LOG_LEVEL does not
# reach), and the preamble absl prints before its first line of any level.
XLA_INFO = b"Compiled cluster using XLA!"
ABSL_PREAMBLE = b"WARNING: All log messages before absl::InitializeLog() is called"


def is_reverb_info(line: bytes) -> bool:
    """Whether a stderr line is one of Reverb's unconditional INFO lines, ALE's banner or
    XLA's compilation notice."""
    if line.startswith(ALE_BANNER) or line.startswith(ABSL_PREAMBLE):
        return True
    if line.startswith(b"I") and b"device_compiler.h" in line and XLA_INFO in line:
        return True
    return line.startswith(b"[reverb/cc/") and any(text in line for text in REVERB_INFO)


_installed = False


def pump(source, sink):
    """Copies `source` to `sink` line by line, without the lines is_reverb_info matches."""
    for line in source:
        if not is_reverb_info(line):
            sink.write(line)
            sink.flush()


def filter_reverb_info():
    """Routes file descriptor 2 through a filter process (this file run by path: it imports
    nothing of TensorFlow or tfrainbow). A process, not a thread: Reverb's C++ logs while
    holding the GIL (restoring a large replay checkpoint prints a line per chunk), so a
    Python thread could not drain the pipe, the pipe filled, and the process hung for good.
    The filter has its own session (a Ctrl-C to the terminal's process group does not end it
    early) and ends when the last writer closes the pipe. At exit the real stderr is put
    back and the filter drains what is left, so a final traceback is never lost. Once per
    process: a spawned child re-imports its parent's main module (which may install it) and
    may then install it again itself."""
    global _installed
    if _installed:
        return
    _installed = True
    import subprocess

    read_fd, write_fd = os.pipe()
    real_stderr = os.dup(2)
    os.set_inheritable(real_stderr, False)
    # -S: no site packages (nothing to import); -u: unbuffered.
    child = subprocess.Popen([sys.executable, "-S", "-u", os.path.abspath(__file__)],
                             stdin=read_fd, stdout=2, stderr=2, start_new_session=True)
    os.close(read_fd)
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def restore():
        import gc

        # Objects freed only now (a Reverb server held by the frames of a reported error)
        # say goodbye while the filter still runs.
        gc.collect()
        sys.stderr.flush()
        os.dup2(real_stderr, 2)  # closes this process's writer: the filter sees EOF
        try:
            child.wait(timeout=5)  # children that outlive us may still hold a writer
        except subprocess.TimeoutExpired:
            pass

    atexit.register(restore)


if __name__ == "__main__":  # the filter process
    pump(sys.stdin.buffer, sys.stdout.buffer)
