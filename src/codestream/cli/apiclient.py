"""A small synchronous client of our REST API for the CLI; API errors become CLI errors.

It uses the standard library's HTTP client: a command makes one to three requests, and httpx
(with the command-line tool it imports) would take longer to import than they take to answer.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from codestream.cli.output import fail


class ApiClient:
    """Calls /api/v1 with a bearer token."""

    def __init__(self, server: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._base = server.rstrip("/")
        self._timeout = timeout
        self.server = server

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        """Nothing to close: each request has its own connection."""

    def call(
        self,
        method: str,
        path: str,
        *,
        hint: str = "",
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send a request; return the decoded JSON, or exit 2 with the server's error message
        (and `hint`, what would be right, when the server answers 404)."""
        url = f"{self._base}/api/v1{path}"
        if params:
            url += "?" + urlencode(params, doseq=True)
        headers = dict(self._headers)
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except urllib.error.URLError as exc:
            fail(f"cannot reach the CodeStream server at {self.server}: {exc.reason}")
        except (OSError, http.client.HTTPException) as exc:
            fail(f"cannot reach the CodeStream server at {self.server}: {exc}")
        if status == 204:
            return None
        try:
            decoded = jsonlib.loads(raw)
        except ValueError:
            decoded = None
        if status >= 400:
            error = decoded.get("error") if isinstance(decoded, dict) else None
            message = (
                error.get("message")
                if isinstance(error, dict)
                else raw.decode("utf-8", "replace")[:200]
            )
            if status == 401:
                message = f"{message} (run `codestream login` again)"
            elif status == 404 and hint:
                message = f"{message}; {hint}"
            fail(f"{message} (HTTP {status})")
        return decoded
