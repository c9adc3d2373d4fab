"""The control API under `/_emulator/`: transcript, faults, throttling, keys, world snapshot.

Not part of Microsoft's protocol; tests and the admin use it to steer the emulator over HTTP.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from teams_emulator.emulator import Emulator
from teams_emulator.keys import SigningKey
from teams_emulator.routing import json_body

_FAULT_FIELDS = (
    "route",
    "method",
    "status",
    "code",
    "message",
    "body",
    "headers",
    "latency",
    "drop",
    "count",
    "duration",
)


def _key_json(key: SigningKey, active: SigningKey) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "published": key.published,
        "active": key is active,
        "endorsements": key.endorsements,
    }


def world_snapshot(emulator: Emulator) -> dict[str, Any]:
    """Everything in the world as JSON (bot secrets left out)."""
    world = emulator.world
    return {
        "version": world.version,
        "tenants": [
            {"id": t.id, "name": t.name, "domain": t.domain} for t in world.tenants.values()
        ],
        "users": [u.member() for u in world.users.values()],
        "bots": [
            {
                "appId": b.app_id,
                "name": b.name,
                "tenantId": b.home_tenant_id,
                "endpoint": b.endpoint,
                "personalInstalls": sorted(b.personal_installs),
            }
            for b in world.bots.values()
        ],
        "teams": [
            {
                "id": t.id,
                "name": t.name,
                "tenantId": t.tenant_id,
                "aadGroupId": t.aad_group_id,
                "members": t.members,
                "installedBots": sorted(t.installed_bots),
                "channels": [
                    {"id": c.id, "name": c.name, "general": c.is_general, "deleted": c.deleted}
                    for c in t.channels.values()
                ],
            }
            for t in world.teams.values()
        ],
        "personalChats": [
            {"id": c.id, "userId": c.user_id, "appId": c.bot_app_id, "tenantId": c.tenant_id}
            for c in world.conversations.values()
            if c.kind == "personal"
        ],
    }


class ControlApi:
    """Handlers of the control routes."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def transcript(self, request: Request) -> Response:
        """GET: exchanges filtered by `direction`, `route`, `method`, `status`, `since`;
        DELETE: clear."""
        transcript = self.emulator.transcript
        if request.method == "DELETE":
            transcript.clear()
            return Response(status_code=204)
        q = request.query_params
        found = transcript.query(
            direction=q.get("direction"),  # type: ignore[arg-type]
            route=q.get("route"),
            method=q.get("method"),
            status=int(q["status"]) if q.get("status") else None,
            since=int(q.get("since") or 0),
        )
        return JSONResponse({"exchanges": [e.to_json() for e in found]})

    async def faults(self, request: Request) -> Response:
        """GET: list rules; POST: add one; DELETE: remove all."""
        faults = self.emulator.faults
        if request.method == "POST":
            spec = json_body(await request.body())
            if not isinstance(spec, dict) or set(spec) - set(_FAULT_FIELDS):
                return JSONResponse({"error": f"fields: {', '.join(_FAULT_FIELDS)}"}, 400)
            rule = faults.add(**spec)
            return JSONResponse(rule.to_json(), 201)
        if request.method == "DELETE":
            faults.clear()
            return Response(status_code=204)
        return JSONResponse({"faults": [r.to_json() for r in faults.rules]})

    async def fault(self, request: Request) -> Response:
        """DELETE one rule."""
        removed = self.emulator.faults.remove(int(request.path_params["rule_id"]))
        return Response(status_code=204 if removed else 404)

    async def throttling(self, request: Request) -> Response:
        """GET the switch; PUT/POST `{"enabled": bool}` to set it."""
        if request.method != "GET":
            spec = json_body(await request.body())
            if not isinstance(spec, dict) or not isinstance(spec.get("enabled"), bool):
                return JSONResponse({"error": 'body must be {"enabled": true|false}'}, 400)
            self.emulator.set_throttling(spec["enabled"])
        return JSONResponse({"enabled": self.emulator.throttler.enabled})

    async def keys(self, request: Request) -> Response:
        """GET: channel keys; POST `{"endorsements": [...], "activate": bool}` adds one."""
        ring = self.emulator.channel_keys
        if request.method == "POST":
            spec = json_body(await request.body()) or {}
            key = ring.add_key(spec.get("endorsements"), activate=spec.get("activate", True))
            return JSONResponse(_key_json(key, ring.active), 201)
        return JSONResponse({"keys": [_key_json(k, ring.active) for k in ring.all_keys()]})

    async def rotate(self, request: Request) -> Response:
        """POST: new active key, previous one retired."""
        ring = self.emulator.channel_keys
        return JSONResponse(_key_json(ring.rotate(), ring.active), 201)

    async def key(self, request: Request) -> Response:
        """DELETE: retire (unpublish) a key."""
        ring = self.emulator.channel_keys
        try:
            ring.retire(request.path_params["kid"])
        except KeyError:
            return Response(status_code=404)
        return Response(status_code=204)

    async def world(self, request: Request) -> Response:
        """GET: the world snapshot."""
        return JSONResponse(world_snapshot(self.emulator))


def control_routes(emulator: Emulator) -> list[Route]:
    """The `/_emulator/...` control routes."""
    api = ControlApi(emulator)
    return [
        Route("/_emulator/transcript", api.transcript, methods=["GET", "DELETE"]),
        Route("/_emulator/faults", api.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/faults/{rule_id:int}", api.fault, methods=["DELETE"]),
        Route("/_emulator/throttling", api.throttling, methods=["GET", "PUT", "POST"]),
        Route("/_emulator/keys", api.keys, methods=["GET", "POST"]),
        Route("/_emulator/keys/rotate", api.rotate, methods=["POST"]),
        Route("/_emulator/keys/{kid}", api.key, methods=["DELETE"]),
        Route("/_emulator/world", api.world, methods=["GET"]),
    ]
