"""Quiet by default: drops the INFO lines Reverb's C++ core prints on every start,
checkpoint and stop, ale-py's banner, and XLA's once-per-process "Compiled cluster" INFO line
(with absl's preamble). Everything else on stderr, errors and warnings included, passes."""
import atexit
import os
import threading

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


def filter_reverb_info():
    """Routes file descriptor 2 through a filter thread. At exit the real stderr is put back
    and the thread drains what is left, so a final traceback is never lost. Once per process:
    a spawned child re-imports its parent's main module (which may install it) and may then
    install it again itself."""
    global _installed
    if _installed:
        return
    _installed = True
    read_fd, write_fd = os.pipe()
    real_stderr = os.dup(2)
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def pump():
        with os.fdopen(read_fd, "rb") as source, os.fdopen(real_stderr, "wb", 0) as sink:
            for line in source:
                if not is_reverb_info(line):
                    sink.write(line)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()

    def restore():
        import gc
        import sys

        # Objects freed only now (a Reverb server held by the frames of a reported error)
        # say goodbye while the filter still runs.
        gc.collect()
        sys.stderr.flush()
        saved = os.dup(real_stderr)
        os.dup2(saved, 2)  # closes the pipe's last writer: the pump sees EOF
        os.close(saved)
        thread.join(timeout=5)

    atexit.register(restore)
