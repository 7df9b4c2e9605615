"""uvicorn's HTTP protocol with a deadline for receiving a request's headers.

uvicorn times out idle keep-alive connections, but a client that connects and
sends nothing, or trickles its headers a byte at a time (slow-loris), is never
timed out: each such connection costs a socket and memory forever, and enough of
them exhaust the worker. Here the headers must arrive within the request timeout,
counted from connecting or from a request's first byte; the body then has the same
time again, enforced by the application (:mod:`duis.serve._app`). The protocol
also turns Nagle's algorithm off explicitly, the stall DCC's own server suffers,
and, since that sends every write at once, gathers the writes of one loop iteration
(uvicorn writes a response's head and body separately) into one send: one segment
and one wake-up of the client per response instead of two.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["DeadlineHttpToolsProtocol"]

_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
)
_408_BODY = (
    b'{"error":"the request was not received in time","errorCode":"RequestTimeoutError",'
    b'"rule":"serve.timeout"}'
)


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection whose headers do not arrive in time."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timeout: float = float(getattr(config, "request_timeout", 10.0))
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # a platform without the option
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Every response cycle writes through this (uvicorn hands it self.transport).
        self.transport = cast(asyncio.Transport, _GatheringTransport(transport, self.loop))
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self._header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A response is still being produced for an earlier (pipelined) request.
            self.transport.close()
            return
        self.transport.write(_408 % (len(_408_BODY), _408_BODY))
        self.transport.close()


class _GatheringTransport:
    """A transport whose writes within one loop iteration leave in one send.

    Everything but ``write`` and ``close`` is the real transport's; ``close`` sends
    what is gathered first, so nothing written is lost.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._parts:
            self._loop.call_soon(self._flush)
        self._parts.append(data)

    def _flush(self) -> None:
        if self._parts:
            data = b"".join(self._parts)
            self._parts.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
