"""The error shape everywhere, and an OpenAPI document that says what each route answers."""

from __future__ import annotations

from typing import Any

from support.api import Api
from support.world import assert_error

AUTHENTICATED = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/" + "0" * 24),
    ("GET", "/api/v1/teams"),
    ("POST", "/api/v1/teams"),
    ("GET", "/api/v1/teams/" + "0" * 24),
    ("GET", "/api/v1/teams/" + "0" * 24 + "/members"),
    ("POST", "/api/v1/teams/" + "0" * 24 + "/members"),
    ("GET", "/api/v1/teams/" + "0" * 24 + "/repos"),
    ("POST", "/api/v1/teams/" + "0" * 24 + "/repos"),
    ("GET", "/api/v1/repos/" + "0" * 24),
    ("GET", "/api/v1/codemarks?teamId=" + "0" * 24),
    ("POST", "/api/v1/codemarks"),
    ("GET", "/api/v1/codemarks/" + "0" * 24),
    ("PATCH", "/api/v1/codemarks/" + "0" * 24),
    ("DELETE", "/api/v1/codemarks/" + "0" * 24),
    ("GET", "/api/v1/codemarks/" + "0" * 24 + "/replies"),
    ("POST", "/api/v1/codemarks/" + "0" * 24 + "/replies"),
]


async def test_it_answers_401_on_every_authenticated_route_without_a_token(api: Api) -> None:
    for method, path in AUTHENTICATED:
        body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
        response = await api.client.request(method, path, json=body)
        assert_error(response, 401, "not_authenticated", case=(method, path))
        assert response.headers["www-authenticate"] == "Bearer"


async def test_it_answers_unknown_routes_and_methods_in_json(api: Api) -> None:
    assert_error(await api.client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(await api.client.get("/api/v2/codemarks"), 404, "not_found")
    assert_error(await api.client.put("/api/v1/teams"), 405, "method_not_allowed")
    assert_error(await api.client.delete("/api/v1/me"), 405, "method_not_allowed")


async def test_it_documents_every_operation_with_its_errors(api: Api) -> None:
    response = await api.client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorOut"]["required"]) == {"error"}
    assert set(schemas["ErrorBody"]["required"]) == {"code", "message"}
    operations = [
        (method, path, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]
    assert len(operations) >= 21
    for method, path, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        assert op.get("tags"), where
        errors = {code: r for code, r in op["responses"].items() if code.startswith("4")}
        assert errors, where
        for code, answer in errors.items():
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut", (where, code)
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, where
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= set(errors), where
        if path not in ("/api/v1/users", "/api/v1/login"):
            assert "401" in errors, where
    assert document["paths"]["/api/v1/codemarks"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"].endswith("/CodemarkPage")
