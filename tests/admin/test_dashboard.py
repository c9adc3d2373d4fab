"""The sample Grafana dashboard in deploy/ asks only for metrics the server serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import Counter, Histogram, Metric

from codestream.observability import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "codestream-dashboard.json"
OUTBOX_GAUGES = {"codestream_outbox_rows", "codestream_outbox_oldest_waiting_age_seconds"}


def _served_names() -> set[str]:
    names = set(OUTBOX_GAUGES)
    for value in vars(metrics).values():
        if not isinstance(value, Counter | Histogram):
            continue
        family: Metric
        for family in value.describe():
            suffixes = {
                "counter": ("_total",),
                "histogram": ("_bucket", "_count", "_sum"),
            }.get(family.type, ("",))
            names.update(family.name + suffix for suffix in suffixes)
    return names


def test_every_query_of_the_dashboard_names_a_served_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    asked = {name for expr in exprs for name in re.findall(r"codestream_[a-z_]+", expr)}
    served = _served_names()
    assert asked, "the dashboard has no queries"
    assert asked <= served, sorted(asked - served)
    # Every family the server records is on the dashboard somewhere.
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in served}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in asked}
    assert families <= shown, sorted(families - shown)
