"""Short commands started at once and collected in order: each is mostly a Python process
importing TensorFlow on one core, so on a 2-core machine running them side by side halves
their wall-clock against one at a time (test_errors' bad configurations: ~49 s -> ~25 s)."""
import subprocess
from typing import Dict, List, Sequence


def side_by_side(commands: Sequence[List[str]], cwd, timeout: float = 300.0,
                 env: Dict[str, str] = None) -> List[subprocess.CompletedProcess]:
    """Every command's CompletedProcess (text stdout and stderr), in the order given."""
    started = [subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for command in commands]
    done = []
    try:
        for process in started:
            stdout, stderr = process.communicate(timeout=timeout)
            done.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                    stdout, stderr))
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return done
