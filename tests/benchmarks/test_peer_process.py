"""benchmarks/peer_process.py: a peer in another interpreter, driven round by round over its
pipes (a real child process speaking the protocol of benchmarks/peers/*.py)."""
import sys
import textwrap

import pytest

from benchmarks import peer_process

PEER = textwrap.dedent('''
    import json, sys
    print("a library's own line", flush=True)
    print(json.dumps({"ready": True, "float_ops": 12.0}), flush=True)
    rounds = 0
    for line in sys.stdin:
        words = line.split()
        if words[0] == "quit":
            break
        rounds += 1
        if rounds == 3:
            sys.exit(7)
        print(json.dumps({"updates_per_s": 10.0 * rounds + int(words[1])}), flush=True)
''')


def test_rounds_alternate_over_the_pipe(tmp_path, capsys):
    script = tmp_path / "peer.py"
    script.write_text(PEER)
    peer = peer_process.PeerProcess(sys.executable, str(script), [])
    try:
        assert peer.info == {"ready": True, "float_ops": 12.0}
        assert "a library's own line" in capsys.readouterr().err  # passed on, not parsed
        assert peer.round(5) == 15.0 and peer.round(1) == 21.0  # each round its own reply
        with pytest.raises(RuntimeError, match="exited with status 7"):
            peer.round(1)
    finally:
        peer.close()


def test_a_peer_that_does_not_start_says_so(tmp_path):
    script = tmp_path / "peer.py"
    script.write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(RuntimeError, match="exited with status 3"):
        peer_process.PeerProcess(sys.executable, str(script), [])


def test_peer_python_is_none_without_its_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(peer_process, "PEERS_DIR", str(tmp_path))
    assert peer_process.peer_python("dopamine") is None
    python = tmp_path / "dopamine" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    assert peer_process.peer_python("dopamine") == str(python)
