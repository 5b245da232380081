"""A TCP proxy with a hand on the wire, for testing how clients survive bad networks.

    proxy = TcpProxy(server.host, server.port); proxy.start()
    client connects to proxy.host, proxy.port
    proxy.cut_after(bytes_from_server=4096)  # then close both sides of that connection (once)
    proxy.stall()                             # stop forwarding, keep sockets open
    proxy.resume()                            # forward again (held bytes included)
    proxy.close_all()                         # drop every connection now (listening goes on)
    proxy.refuse()                            # the server is "down": drop all, refuse new ones
    proxy.allow()                             # and back up
    proxy.close()                             # stop listening too

Plain threads: one accepting, two per connection (one per direction).
"""

from __future__ import annotations

import contextlib
import socket
import threading

HOST = "127.0.0.1"
_CHUNK = 4096


class _Connection:
    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.closed = False
        self.open_directions = 2
        self.lock = threading.Lock()

    def half_close(self, sink: socket.socket) -> bool:
        """One direction ended: pass the EOF on. True when both have ended."""
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with self.lock:
            self.open_directions -= 1
            return self.open_directions == 0

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv()
            with contextlib.suppress(OSError):
                sock.close()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._connections: list[_Connection] = []
        self._cut_budget: int | None = None
        self._refusing = False
        self._listener: socket.socket | None = None
        self._accepter: threading.Thread | None = None
        #: Totals over the proxy's life, for assertions.
        self.bytes_from_server = 0
        self.bytes_from_client = 0
        self.accepted = 0
        self.cuts = 0

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the proxy has no port before start()")
        return self._listener.getsockname()[1]

    def start(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(16)
        self._listener = listener
        self._accepter = threading.Thread(
            target=self._accept_loop, name="proxy-accept", daemon=True
        )
        self._accepter.start()

    # -- controls ----------------------------------------------------------------------------
    def cut_after(self, bytes_from_server: int | None) -> None:
        """Once `bytes_from_server` more bytes have gone from the server to clients (counted
        from now, over all connections), forward no more and close both sides of the connection
        that crossed the line. One cut; later connections pass untouched. None disarms it."""
        with self._lock:
            self._cut_budget = bytes_from_server

    def stall(self) -> None:
        """Stop forwarding in both directions without closing anything (new connections are
        accepted but get nothing): the client's own timeout has to notice."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def refuse(self) -> None:
        """As if the server went down: every connection dropped, new ones closed at once."""
        self._refusing = True
        self.close_all()

    def allow(self) -> None:
        self._refusing = False

    def close_all(self) -> None:
        """Close every open connection, both sides, now. The proxy keeps listening."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def close(self) -> None:
        """Stop listening and close every connection."""
        self._flowing.set()  # let stalled pumps run into their closed sockets
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self.close_all()
        if self._accepter is not None:
            self._accepter.join(timeout=5)
            self._accepter = None

    def __enter__(self) -> TcpProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections if not c.closed)

    # -- plumbing ----------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            if self._refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection((self.target_host, self.target_port), 5)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the server is down: so is the connection
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(client, upstream)
            with self._lock:
                self._connections.append(conn)
                self.accepted += 1
            for source, sink, from_server in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(
                    target=self._pump,
                    args=(conn, source, sink, from_server),
                    name="proxy-pump",
                    daemon=True,
                ).start()

    def _pump(
        self, conn: _Connection, source: socket.socket, sink: socket.socket, from_server: bool
    ) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    if not conn.half_close(sink):
                        return  # the other direction goes on (a half-closed connection)
                    break
                self._flowing.wait()
                if conn.closed:
                    return
                cut = False
                if from_server:
                    with self._lock:
                        if self._cut_budget is not None:
                            if len(data) >= self._cut_budget:
                                data, cut = data[: self._cut_budget], True
                                self._cut_budget = None
                                self.cuts += 1
                            else:
                                self._cut_budget -= len(data)
                        self.bytes_from_server += len(data)
                else:
                    with self._lock:
                        self.bytes_from_client += len(data)
                if data:
                    sink.sendall(data)
                if cut:
                    break
        except OSError:
            pass
        # Both directions ended, or a cut or an error: close both sockets, as a middlebox
        # dropping the connection would.
        conn.close()
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)
