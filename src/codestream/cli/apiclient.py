"""A small synchronous client of our REST API for the CLI; API errors become CLI errors."""

from __future__ import annotations

from typing import Any

import httpx

from codestream.cli.output import fail


class ApiClient:
    """Calls /api/v1 with a bearer token."""

    def __init__(self, server: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout)
        self.server = server

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def call(self, method: str, path: str, *, hint: str = "", **kwargs: Any) -> Any:
        """Send a request; return the decoded JSON, or exit 2 with the server's error message
        (and `hint`, what would be right, when the server answers 404)."""
        try:
            response = self._http.request(method, f"/api/v1{path}", **kwargs)
        except httpx.HTTPError as exc:
            fail(f"cannot reach the CodeStream server at {self.server}: {exc}")
        if response.status_code == 204:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_error:
            error = body.get("error") if isinstance(body, dict) else None
            message = error.get("message") if isinstance(error, dict) else response.text[:200]
            if response.status_code == 401:
                message = f"{message} (run `codestream login` again)"
            elif response.status_code == 404 and hint:
                message = f"{message}; {hint}"
            fail(f"{message} (HTTP {response.status_code})")
        return body
