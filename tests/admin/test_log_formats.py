"""The two log formats an admin picks with `logging.format`: each line names its request, JSON
lines carry the shippers' field names, and neither shows a secret query value."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from codestream.observability.context import reset_request_id, set_request_id
from codestream.observability.logs import (
    JsonFormatter,
    RedactQuerySecrets,
    RequestIdFilter,
    TextFormatter,
)


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactQuerySecrets())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("codestream.test_log_formats")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream, handler
    finally:
        logger.removeHandler(handler)


def test_json_lines_have_the_shippers_fields_the_request_and_no_secret(
    capture: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, handler = capture
    handler.setFormatter(JsonFormatter())
    token = set_request_id("a1b2c3d4e5f6")
    try:
        logger.warning("GET %s failed", "/web/signin?state=s3cr3t-state", extra={"outbox_row": 7})
    finally:
        reset_request_id(token)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("outside any request")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "warning"
    assert first["logger"] == "codestream.test_log_formats"
    assert first["message"] == "GET /web/signin?state=*** failed"
    assert first["request_id"] == "a1b2c3d4e5f6"
    assert first["outbox_row"] == 7
    assert first["timestamp"].endswith("+00:00")
    assert "request_id" not in second
    assert "ValueError: boom" in second["exception"]
    assert "s3cr3t" not in stream.getvalue()


def test_text_lines_end_with_their_request(
    capture: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, handler = capture
    handler.setFormatter(TextFormatter())
    token = set_request_id("0f0f0f0f0f0f")
    try:
        logger.info("queued %d rows", 2)
    finally:
        reset_request_id(token)
    logger.info("no request here")
    with_id, without = stream.getvalue().splitlines()
    assert with_id.endswith(
        " INFO codestream.test_log_formats: queued 2 rows [request 0f0f0f0f0f0f]"
    )
    assert without.endswith(" INFO codestream.test_log_formats: no request here")
