"""A TCP proxy in front of a real server (Redis), to cut it off for real.

The process under test connects to the proxy; the proxy forwards to the
server until the test says the server is `refusing` (connections refused and
open ones cut, as when Redis is down) or `silent` (connections accepted but
never answered, as when a host stops responding), and again after `restore`."""

import contextlib
import select
import socket
import threading

BUFFER = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "forwarding"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = self._listen(0)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def refusing(self) -> None:
        """New connections are refused and open ones are cut."""
        self.mode = "refusing"
        self._close_listener()
        self._cut_all()

    def silent(self) -> None:
        """Connections are accepted and never answered; open ones are cut."""
        self.mode = "silent"
        self._cut_all()
        if self._listener is None:
            self._listen(self.port)

    def restore(self) -> None:
        self.mode = "forwarding"
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        self.mode = "closed"
        self._close_listener()
        self._cut_all()

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener.getsockname()[1]

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone
            # would leave the socket listening until that call returns.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            self._track(client)
            if self.mode == "forwarding":
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            # Silent: the connection is held open and never read from.

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._untrack(client)
            return
        self._track(server)
        pair = {client: server, server: client}
        try:
            while self.mode == "forwarding":
                readable, _, _ = select.select(list(pair), [], [], 0.2)
                for source in readable:
                    data = source.recv(BUFFER)
                    if not data:
                        return
                    pair[source].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            self._untrack(client)
            self._untrack(server)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        sock.close()

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
