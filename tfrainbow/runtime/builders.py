"""The builders' old home: gin files and run directories' config.gin written before they
moved `import tfrainbow.runtime.builders`; this keeps those imports working."""
from tfrainbow.builders import *  # noqa: F401,F403
