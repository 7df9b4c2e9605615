"""Why the HTTP layer refused a request, as library errors with their own rule ids.

Refusals of the message itself (a bad signature, an invalid request) are the
library's own errors and keep their ids; these cover only what goes wrong before
a message reaches the library: the request as HTTP and JSON. Each carries the
status it is answered with.
"""

from __future__ import annotations

from duis._exceptions import DuisError

__all__ = [
    "BadBase64Error",
    "BadJSONError",
    "BodyTooLargeError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RequestTimeoutError",
    "ServeError",
    "UnauthorizedError",
]


class ServeError(DuisError):
    """A request refused by the HTTP service before the library saw its message."""

    rule = "serve.bad-request"
    status = 400


class BadJSONError(ServeError):
    """The body is not the JSON object the API takes (``{"message": base64, ...}``)."""

    rule = "serve.bad-json"


class BadBase64Error(ServeError):
    """``message`` is not valid base64 (RFC 4648, standard alphabet)."""

    rule = "serve.bad-base64"


class BodyTooLargeError(ServeError):
    """The body is over the server's limit (``--max-body``)."""

    rule = "serve.body-too-large"
    status = 413


class RequestTimeoutError(ServeError):
    """The client did not send its whole request in time (``--request-timeout``)."""

    rule = "serve.timeout"
    status = 408


class UnauthorizedError(ServeError):
    """No bearer token, or not one the server accepts."""

    rule = "serve.unauthorized"
    status = 401


class NotFoundError(ServeError):
    """No such endpoint."""

    rule = "serve.not-found"
    status = 404


class MethodNotAllowedError(ServeError):
    """The endpoint exists but not for this HTTP method."""

    rule = "serve.method-not-allowed"
    status = 405
