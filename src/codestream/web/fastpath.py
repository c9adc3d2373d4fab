"""The web app's type: FastAPI, with one exact path answered before any framework code runs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


class FastPathApp(FastAPI):
    """A FastAPI app that hands requests for `fast_path` (exactly) straight to `fast_endpoint`.

    For a hot machine-to-machine route that does its own checks and answers every error itself
    (the bot's messaging endpoint): it skips the framework's middleware and route matching, which
    looks at every route in turn.
    """

    def __init__(self, *, fast_path: str, fast_endpoint: ASGIApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fast_path = fast_path
        self.fast_endpoint = fast_endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.fast_path:
            await self.fast_endpoint(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
