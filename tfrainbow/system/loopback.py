"""Keeps a Reverb server reachable from this machine only.

The one-process trainers (train_rainbow, train_impala) need no one outside to reach their
embedded server: `isolate_trainer` moves the whole process, and the actor processes it
starts, into a private network namespace with only a loopback interface.

Reverb 0.14's server always listens on [::]:port, every interface, and has no
authentication. To make localhost the default, the server process first listens on
127.0.0.1:port in the host's network, then moves itself into a private network namespace
(where only a loopback interface exists), starts Reverb there and relays each accepted
connection into it. Nothing off the machine can reach Reverb's own socket.

Linux only; unshare(2) needs root or unprivileged user namespaces, and a non-root process
must still be single-threaded: call `listen_on_loopback` and `enter_private_network` before
anything starts a thread (TensorFlow, Reverb, the stderr filter). Stdlib only, for that.
"""
import ctypes
import errno
import fcntl
import os
import socket
import struct
import threading

from tfrainbow.errors import BindError

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
ALL_INTERFACES_HINT = ("pass --bind_all_interfaces to listen on every interface instead "
                       "(Reverb has no authentication: firewall the port)")


def listen_on_loopback(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1:port, in the host's network namespace."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", int(port)))
    except OSError as error:
        listener.close()
        raise BindError(f"Cannot listen on 127.0.0.1:{port} ({error.strerror}): stop what "
                        "holds the port or choose another --port.") from None
    listener.listen(128)
    return listener


def check_port_free(port: int):
    """Raises BindError when something already listens on `port` (any address), where
    Reverb would bind [::]:port: its own failure only says 'Failed to BuildAndStart gRPC
    server'. SO_REUSEADDR, as gRPC sets it: a port left in TIME_WAIT counts as free."""
    families = [(socket.AF_INET6, "::")] if socket.has_ipv6 else []
    families.append((socket.AF_INET, "0.0.0.0"))
    for family, host in families:
        try:
            probe = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no such family here (IPv6 disabled)
        with probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, int(port)))
                return
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    continue
                raise BindError(f"Port {port} is in use: another program listens on it; "
                                "stop it or choose another --port.") from None


def enter_private_network():
    """Moves this process into a new network namespace whose loopback is up (and, unless
    root, a user namespace that maps the caller to root there, for that permission)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        reason = os.strerror(ctypes.get_errno())
        raise BindError(f"Cannot keep the Reverb server on localhost here: unshare failed "
                        f"({reason}; Reverb 0.14 always listens on every interface, so "
                        f"tfrainbow hides it in a private network namespace); "
                        f"{ALL_INTERFACES_HINT}.")
    if uid != 0:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                           ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH14x", b"lo", 0)
        current = struct.unpack("16sH14x", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", current | IFF_UP))


def isolate_trainer(flag_values, argv, remote_flag: str = None):
    """For a trainer binary, before anything starts a thread: parses `argv` for
    --bind_all_interfaces (and `remote_flag`, a server address that makes the server not
    embedded) and, unless either is set, enters a private network (enter_private_network).
    Returns (isolated, error): the BindError to raise from main where the host forbids it."""
    flag_values(argv, known_only=True)
    try:
        if flag_values.bind_all_interfaces or (remote_flag and flag_values[remote_flag].value):
            return False, None
        enter_private_network()
        return True, None
    except BindError as error:
        return False, BindError(f"{error} (train_rainbow and train_impala hide their embedded "
                                "server the same way)")
    finally:
        flag_values.unparse_flags()


def trainer_network_line(isolated: bool) -> str:
    """What a trainer says of where its embedded server can be reached."""
    if isolated:
        return ("The embedded Reverb server is reachable from this process and its actors "
                "only (a private network; --bind_all_interfaces to serve other hosts).")
    return ("The embedded Reverb server listens on every interface: Reverb has no "
            "authentication, so keep this host on a private network.")


def _pipe(source: socket.socket, sink: socket.socket):
    try:
        while True:
            data = source.recv(1 << 17)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Relay:
    """Accepts on the host-side listener and pipes each connection to 127.0.0.1:inner_port
    inside the private namespace: two threads per connection (gRPC keeps a few long-lived
    connections per client, so the count stays small)."""

    def __init__(self, listener: socket.socket, inner_port: int):
        self.listener, self.inner_port = listener, int(inner_port)
        self._thread = threading.Thread(target=self._accept, name="loopback-relay",
                                        daemon=True)

    def start(self):
        """Starts relaying in a background thread."""
        self._thread.start()
        return self

    def _accept(self):
        while True:
            try:
                outer, _ = self.listener.accept()
            except OSError as error:
                if error.errno in (errno.EBADF, errno.EINVAL):
                    return  # listener closed
                continue
            try:
                inner = socket.create_connection(("127.0.0.1", self.inner_port), timeout=5)
                inner.settimeout(None)
            except OSError:
                outer.close()
                continue
            for end in (outer, inner):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for source, sink in ((outer, inner), (inner, outer)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self):
        """Stops accepting new connections."""
        self.listener.close()
