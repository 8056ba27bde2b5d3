"""Errors a user can fix: binaries print their message as one line and exit non-zero.

Each message names the problem and the fix. Anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """Base class: bad input, not a bug in tfrainbow."""


class ConfigError(UserError, ValueError):
    """An invalid hyper-parameter or gin configuration."""


class UnknownEnvironmentError(ConfigError):
    """An environment id gymnasium does not know."""


class UnsupportedSpaceError(ConfigError):
    """A gymnasium space tfrainbow cannot turn into a tensor spec."""


class CheckpointMismatchError(UserError):
    """A checkpoint written by a differently shaped network or run."""


class ReverbUnavailableError(UserError, ConnectionError):
    """No Reverb server answered at the given address in time."""


class MissingRunError(UserError, FileNotFoundError):
    """A run directory, checkpoint, config or SavedModel that is not where it was named."""


class NonFiniteLossError(UserError, FloatingPointError):
    """The loss became NaN or infinite; training stopped without saving."""


class DiskFullError(UserError, OSError):
    """The run directory's disk filled while a checkpoint was written; the last complete
    one was kept."""


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` (an OSError, or Reverb's and TensorFlow's wrappers of one) is a full
    disk."""
    import errno

    return (isinstance(error, OSError) and error.errno == errno.ENOSPC) or (
        "No space left on device" in str(error))


class RootDirError(UserError, OSError):
    """The run directory cannot be created or written."""


class RunDirBusyError(UserError):
    """Another process holds the run directory."""


def first_line(error: BaseException) -> str:
    """The message's first line (gin appends its own context on later lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class BindError(UserError, OSError):
    """A server cannot listen where it was asked to."""
