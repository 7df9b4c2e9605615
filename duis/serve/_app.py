"""The ASGI application: DCC's signing-tool API plus validate, health and metrics.

``POST /sign`` and ``POST /verify`` take and give exactly what DCC's signing tool
does (``{"message": base64, "preserveCounter"?: bool}`` in, ``{"message": base64}``
out, ``400 {"error", "errorCode"}`` on refusal), so its clients switch by changing
a URL; the error body adds our ``rule`` id. Requests are handled on the event loop;
those that need a fresh counter wait there for it, and the ones waiting at one
moment share one durable commit, made in a thread of its own (see
:mod:`signing._counters_group`). The worker processes are what use the cores (a
pool of signing threads would only interleave CPU work on the GIL). Starlette
routes the requests; the outer layer here, plain ASGI, does what every request
needs: authentication, the access log line and the metrics.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from duis._exceptions import DuisError
from duis.serve._errors import (
    BadBase64Error,
    BadJSONError,
    BodyTooLargeError,
    MethodNotAllowedError,
    NotFoundError,
    RequestTimeoutError,
    ServeError,
    UnauthorizedError,
)
from duis.serve._metrics import Metrics
from duis.serve._service import Service
from duis.serve._settings import ServeSettings, TokenSet, load_tokens
from signing import CounterReplayError, CounterStoreError, InvalidRequestError

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Endpoint = Callable[[Request], Awaitable[Response]]

access_log = logging.getLogger("duis.serve.access")
error_log = logging.getLogger("duis.serve.error")

_JSON = "application/json"
_ROUTES = frozenset({"/sign", "/verify", "/validate", "/healthz", "/metrics"})
#: Paths answered without a token: a load balancer's health check carries none.
_PUBLIC = frozenset({"/healthz"})


def create_app(settings: ServeSettings, service: Service | None = None) -> ASGIApp:
    """The application for ``settings`` (builds the :class:`Service` unless given)."""
    svc = service if service is not None else Service(settings)
    tokens = load_tokens(settings)
    metrics = Metrics()
    api = _Endpoints(svc, settings, metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield  # uvicorn lets in-flight requests finish first (their counters recorded)
        svc.close()

    inner = Starlette(
        routes=[
            Route("/sign", api.sign, methods=["POST"]),
            Route("/verify", api.verify, methods=["POST"]),
            Route("/validate", api.validate, methods=["POST"]),
            Route("/healthz", api.healthz, methods=["GET"]),
            Route("/metrics", api.metrics, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )
    # DCC's API, the hot path, is dispatched without Starlette's routing and
    # middleware layers (a fifth of a request's CPU time); everything else, wrong
    # methods on these paths included, goes through Starlette.
    direct: dict[str, Endpoint] = {"/sign": api.sign, "/verify": api.verify}
    return _Outer(inner, tokens, metrics, settings.access_log, direct)


class _Outer:
    """Authentication, access log and metrics around every request."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: TokenSet,
        metrics: Metrics,
        log: bool,
        direct: dict[str, Endpoint],
    ) -> None:
        self.app = app
        self.direct = direct
        self.tokens = tokens
        self.metrics = metrics
        self.log = log
        self.worker = os.getpid()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        note: dict[str, Any] = {}
        scope["duis.note"] = note
        status = 500
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        self.metrics.in_flight += 1
        try:
            path = scope["path"]
            if self.tokens.required and path not in _PUBLIC and not self._authorised(scope):
                error = UnauthorizedError(
                    "this server requires a bearer token (Authorization: Bearer <token>)"
                    if not _header(scope, b"authorization")
                    else "the bearer token is not one this server accepts"
                )
                note["rule"] = error.rule
                await _error_response(error, {"www-authenticate": "Bearer"})(
                    scope, receive, send_wrapper
                )
            else:
                endpoint = self.direct.get(path) if scope["method"] == "POST" else None
                if endpoint is not None:
                    await _call(endpoint, scope, receive, send_wrapper)
                else:
                    await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight -= 1
            elapsed = time.perf_counter() - start
            route = scope["path"] if scope["path"] in _ROUTES else "other"
            self.metrics.observe(route, scope["method"], status, elapsed, note.get("rule"))
            if self.log and access_log.isEnabledFor(logging.INFO):
                self._log(scope, status, elapsed, sent, note)

    def _authorised(self, scope: Scope) -> bool:
        value = _header(scope, b"authorization")
        if value is None:
            return False
        scheme, _, token = value.partition(b" ")
        return scheme.lower() == b"bearer" and self.tokens.accepts(token.strip())

    def _log(
        self, scope: Scope, status: int, elapsed: float, sent: int, note: dict[str, Any]
    ) -> None:
        client = scope.get("client")
        line: dict[str, Any] = {
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "worker": self.worker,
            "client": client[0] if client else None,
            "method": scope["method"],
            "path": scope["path"][:200],
            "status": status,
            "ms": round(elapsed * 1000, 3),
            "bytes_in": note.get("bytes_in", 0),
            "bytes_out": sent,
        }
        for key in ("rule", "request_id", "counter", "seq", "batch"):
            if key in note:
                line[key] = note[key]
        if "request_id" in line:  # objects in the note: formatted only for a line written
            line["request_id"] = str(line["request_id"])
        if "signer" in note:
            line["signer"] = note["signer"].describe()
        access_log.info(json.dumps(line, separators=(",", ":")))


async def _call(endpoint: Endpoint, scope: Scope, receive: Receive, send: Send) -> None:
    """Run one endpoint as Starlette's route would, a bug answered as its handler does."""
    request = Request(scope, receive)
    try:
        response = await endpoint(request)
    except Exception as exc:
        response = await _internal_error(request, exc)
    await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class _Endpoints:
    def __init__(
        self,
        service: Service,
        settings: ServeSettings,
        metrics: Metrics,
    ) -> None:
        self.service = service
        self.max_body = settings.max_body
        self.timeout = settings.request_timeout
        self.metrics_store = metrics

    async def sign(self, request: Request) -> Response:
        note = request.scope["duis.note"]
        try:
            doc = await self._document(request)
            preserve = doc.get("preserveCounter", False)
            if not isinstance(preserve, bool):
                raise BadJSONError('"preserveCounter" must be true or false')
            job = self.service.prepare_sign(_message(doc), preserve_counter=preserve)
            issue = None
            if job.originator is not None:  # recorded durably before we get it
                issue = await self.service.counters.next(job.originator)
            signed = job.finish(None if issue is None else issue.counter)
        except DuisError as exc:
            return _refusal(exc, note)
        if signed.request_id is not None:
            note["request_id"] = signed.request_id
        if issue is not None:  # what a checker of the counter guarantee needs
            note["counter"] = issue.counter
            note["seq"] = issue.seq
            note["batch"] = issue.batch
        return _message_response(signed.xml)

    async def verify(self, request: Request) -> Response:
        note = request.scope["duis.note"]
        try:
            xml = _message(await self._document(request))
            verified = self.service.verify(xml)
        except DuisError as exc:
            return _refusal(exc, note)
        if verified.signer is not None:
            note["signer"] = verified.signer
        return _message_response(verified.signed_xml)

    async def validate(self, request: Request) -> Response:
        note = request.scope["duis.note"]
        try:
            xml = _message(await self._document(request))
        except DuisError as exc:
            return _refusal(exc, note)
        report = self.service.validate(xml)
        body = {"valid": report.valid, "files": [report.to_json()]}
        return Response(json.dumps(body).encode("utf-8"), media_type=_JSON)

    async def healthz(self, request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type=_JSON)

    async def metrics(self, request: Request) -> Response:
        return Response(
            self.metrics_store.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    async def _document(self, request: Request) -> dict[str, Any]:
        body = await self._body(request)
        request.scope["duis.note"]["bytes_in"] = len(body)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadJSONError(f"the body is not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise BadJSONError('the body must be a JSON object: {"message": "<base64>"}')
        return doc

    async def _body(self, request: Request) -> bytes:
        """The whole body, at most ``max_body`` bytes, within the request timeout."""
        try:
            return await self._read(request)
        except ClientDisconnect:
            raise ServeError("the client went away before sending its whole request") from None

    async def _read(self, request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise BadJSONError("Content-Length is not a number")
            if int(length) > self.max_body:
                raise BodyTooLargeError(self._too_large())
        receive = request.receive
        message = await receive()  # uvicorn has usually read a small body already
        body = self._take(b"", message)
        if not message.get("more_body", False):
            return body
        try:
            return await asyncio.wait_for(self._rest(receive, body), self.timeout)
        except asyncio.TimeoutError:
            raise RequestTimeoutError(
                f"the request body was not received within {self.timeout:g} s"
            ) from None

    async def _rest(self, receive: Receive, body: bytes) -> bytes:
        parts = [body]
        size = len(body)
        while True:
            message = await receive()
            chunk = self._take(b"", message)
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLargeError(self._too_large())
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    def _take(self, body: bytes, message: Message) -> bytes:
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        if len(body) + len(chunk) > self.max_body:
            raise BodyTooLargeError(self._too_large())
        return body + chunk

    def _too_large(self) -> str:
        return f"the request body is over this server's limit of {self.max_body} bytes"


def _message(doc: dict[str, Any]) -> bytes:
    value = doc.get("message")
    if not isinstance(value, str):
        raise BadJSONError('the body needs "message": the DUIS XML, base64-encoded')
    try:
        data = value.encode("ascii")
        # MIME-style line breaks are tolerated; anything else outside the alphabet is not.
        return base64.b64decode(data.translate(None, b" \t\r\n"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise BadBase64Error(f'"message" is not valid base64: {exc}') from None


def _message_response(xml: bytes) -> Response:
    return Response(b'{"message":"' + base64.b64encode(xml) + b'"}', media_type=_JSON)


def _status(exc: DuisError) -> int:
    if isinstance(exc, ServeError):
        return exc.status
    if isinstance(exc, CounterStoreError) and not isinstance(exc, CounterReplayError):
        return 503  # the server's own store failed: the client may retry
    return 400


def _refusal(exc: DuisError, note: dict[str, Any]) -> Response:
    note["rule"] = exc.rule
    if _status(exc) >= 500:
        error_log.error("refused with %s: %s", exc.rule, exc.message)
    return _error_response(exc)


def _error_response(exc: DuisError, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {
        "error": exc.message,
        "errorCode": type(exc).__name__,
        "rule": exc.rule,
    }
    if exc.line is not None:
        body["line"] = exc.line
    if exc.column is not None:
        body["column"] = exc.column
    if isinstance(exc, InvalidRequestError):
        body["messages"] = [m.to_json() for m in exc.report.errors]
    status = _status(exc)
    extra = dict(headers or {})
    if status in (408, 413):
        extra["connection"] = "close"  # the rest of the body is not worth reading
    return Response(json.dumps(body).encode("utf-8"), status, extra, media_type=_JSON)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: ServeError
    if exc.status_code == 405:
        error = MethodNotAllowedError(f"{request.method} is not allowed on {request.url.path}")
    elif exc.status_code == 404:
        error = NotFoundError(
            f"no endpoint {request.url.path[:200]}; this server has "
            "POST /sign, POST /verify, POST /validate, GET /healthz, GET /metrics"
        )
    else:
        error = ServeError(str(exc.detail))
        error.status = exc.status_code
    request.scope["duis.note"]["rule"] = error.rule
    return _error_response(error, dict(exc.headers or {}))


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug, not a refusal: logged with its traceback, answered without details."""
    error_log.error("internal error on %s", request.url.path[:200], exc_info=exc)
    note = request.scope.get("duis.note")
    if note is not None:
        note["rule"] = "serve.internal"
    body = {"error": "internal error", "errorCode": "InternalError", "rule": "serve.internal"}
    return Response(json.dumps(body).encode("utf-8"), 500, media_type=_JSON)
