"""Every error leaves as JSON `{"error": {"code", "message"}}`; none leaves as a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from codestream.errors import CodeStreamError

log = logging.getLogger("codestream.web")

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    503: "service_unavailable",
}


_FASTAPI_BODY_ERROR = "There was an error parsing the body"


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one JSON error shape."""
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    details = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        details.append({"field": location or "body", "problem": str(error.get("msg", "invalid"))})
    first = details[0] if details else {"field": "body", "problem": "invalid"}
    return f"{first['field']}: {first['problem']}", details


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, FastAPI's validation errors and Starlette's HTTP errors to the JSON shape."""

    @app.exception_handler(CodeStreamError)
    async def on_codestream_error(_request: Request, exc: CodeStreamError) -> JSONResponse:
        extra: dict[str, Any] = {}
        field = getattr(exc, "field", None)
        if field:
            extra["field"] = field
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else {}
        retry_after = getattr(exc, "retry_after_seconds", None)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return error_response(
            exc.http_status, exc.code, exc.message, headers=headers or None, **extra
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        for error in exc.errors():
            if error.get("type") == "json_invalid":
                reason = str((error.get("ctx") or {}).get("error", "JSON decode error"))
                return error_response(
                    400, "malformed_json", f"the body is not valid JSON: {reason}"
                )
        message, details = _describe_validation(exc)
        return error_response(422, "invalid_input", message, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 400 and message == _FASTAPI_BODY_ERROR:
            # FastAPI's answer to a body it cannot decode, e.g. bytes that are not UTF-8.
            code, message = "malformed_json", "the body is not valid JSON in UTF-8"
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return error_response(500, "internal_error", "something went wrong; see the server log")
