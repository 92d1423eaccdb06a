"""Test plumbing shared by unit and integration tests.

Integration tests talk to ``127.0.0.1:9042`` (the node ``scripts/cassandra start``
runs) or to the cluster named by ``COODIE_HOSTS`` (``host1,host2`` or ``host:port``).
With ``CI=true`` a missing node fails the run; elsewhere those tests are skipped.
"""

from __future__ import annotations

import os

HOSTS_ENV = "COODIE_HOSTS"


def cluster_hosts() -> list[str]:
    raw = os.environ.get(HOSTS_ENV, "127.0.0.1")
    return [h.strip() for h in raw.split(",") if h.strip()]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
