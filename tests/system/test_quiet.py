"""Reverb's INFO lines are filtered from stderr; warnings, errors and tracebacks are not."""
import subprocess
import sys
import time

from tfrainbow.system import quiet

SCRIPT = """
from tfrainbow.system import quiet
quiet.filter_reverb_info()
import sys, reverb
server = reverb.Server([reverb.Table.queue('q', 10)], port=None)
server.stop()
print('a warning of ours', file=sys.stderr)
raise ValueError('the error a user must see')
"""


def test_info_lines_go_and_errors_stay():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""})
    assert done.returncode == 1
    assert "Started replay server" not in done.stderr
    assert "Shutting down replay server" not in done.stderr
    assert "a warning of ours" in done.stderr
    assert "Traceback" in done.stderr and "ValueError: the error a user must see" in done.stderr


def test_installed_once_per_process():
    # Two filters in a row used to leave the outer pipe a writer, so the process took the
    # filter's 5 s wait to exit: IMPALA actors spawned from the benchmark scripts did (the
    # child re-runs the script, which installs the filter, then installs it again).
    script = ("import os, sys, time\nfrom tfrainbow.system import quiet\n"
              "quiet.filter_reverb_info()\nquiet.filter_reverb_info()\n"
              "children = [p for p in os.listdir('/proc') if p.isdigit() and open(f'/proc/{p}/"
              "stat').read().rsplit(')', 1)[1].split()[1] == str(os.getpid())]\n"
              "print(len(children))\n"
              "print('still on stderr', file=sys.stderr)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["1"], done
    assert "still on stderr" in done.stderr
    assert time.monotonic() - started < 4  # not the 5 s wait for a writer left open


def test_a_megabyte_logged_while_holding_the_gil_passes_through():
    # Reverb's C++ logs with the GIL held (restoring a 100,000-transition replay checkpoint
    # printed 200 kB of 'Still reading' lines): a filter thread, needing the GIL to drain
    # the pipe, deadlocked the process once the pipe's 64 kB filled. ctypes.PyDLL keeps the
    # GIL through the call.
    script = ("import ctypes\nfrom tfrainbow.system import quiet\n"
              "quiet.filter_reverb_info()\n"
              "info = b'[reverb/cc/platform/tfrecord_checkpointer.cc:447] Still reading "
              "compressed trajectory data\\n'\n"
              "kept = b'[reverb/cc/x.cc:1] a warning that stays\\n'\n"
              "data = (info * 9 + kept) * 2000\n"
              "assert ctypes.PyDLL(None).write(2, data, len(data)) == len(data)\n"
              "print('done')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stdout == b"done\n", done.stderr[-500:]
    assert done.stderr == b"[reverb/cc/x.cc:1] a warning that stays\n" * 2000


def test_only_known_reverb_info_lines_match():
    assert quiet.is_reverb_info(b"[reverb/cc/platform/default/server.cc:71] Started replay "
                                b"server on port 1\n")
    assert not quiet.is_reverb_info(b"[reverb/cc/trajectory_writer.cc:655] The number of "
                                    b"pending items is alarmingly high\n")
    assert not quiet.is_reverb_info(b"Started replay server, said someone else\n")


def test_xla_compilation_notice_goes_and_absl_errors_stay():
    assert quiet.is_reverb_info(b"WARNING: All log messages before absl::InitializeLog() is "
                                b"called are written to STDERR\n")
    assert quiet.is_reverb_info(b"I0000 00:00:1795609744.590847     433 device_compiler.h:186]"
                                b" Compiled cluster using XLA!  This line is logged at most "
                                b"once for the lifetime of the process.\n")
    assert not quiet.is_reverb_info(b"E0000 00:00:1795609744.590847     433 "
                                    b"device_compiler.h:186] Compilation failed\n")
    assert not quiet.is_reverb_info(b"W0000 00:00:1795609744.590847     433 cpu_client.cc:1] "
                                    b"Compiled cluster using XLA! said a warning\n")
