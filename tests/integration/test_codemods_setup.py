"""coodie-upgrade CU007/CU008 on the real node: a small cqlengine script (models,
connection setup, keyspace and table creation) is converted, the converted script runs
in its own process, and its tables are read back from ``system_schema``.

The script keeps one model cqlengine's (a custom column: CU002 leaves it with a TODO):
its ``sync_table(Legacy)`` stays the shim's and runs over the connection the rewritten
``init_coodie`` made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import coodie.sync
from coodie.codemods import upgrade_source
from coodie.codemods.models import find_todos
from coodie.connection import Connection
from tests.conftest import cluster_hosts

ROOT = Path(__file__).parents[2]

SCRIPT = '''\
import os

from cassandra import ConsistencyLevel
from cassandra.cqlengine import columns, connection
from cassandra.cqlengine.management import create_keyspace_simple, sync_table
from cassandra.cqlengine.models import Model

HOSTS = os.environ["COODIE_HOSTS"].split(",")
KEYSPACE = os.environ["SCRIPT_KEYSPACE"]


class Note(columns.Text):
    """A custom column: the model that uses it stays cqlengine's."""


class Reading(Model):
    __table_name__ = "reading"
    sensor = columns.Text(partition_key=True)
    minute = columns.Integer(primary_key=True, clustering_order="DESC")
    value = columns.Double()


class Legacy(Model):
    id = columns.Integer(primary_key=True)
    note = Note()


connection.setup(HOSTS, KEYSPACE, protocol_version=4, consistency=ConsistencyLevel.QUORUM)
create_keyspace_simple(KEYSPACE, replication_factor=1)
for model in (Reading,):
    sync_table(model)
sync_table(Legacy)
'''

CHECK = """
from coodie.connection import get_connection

conn = get_connection()
print(conn.keyspace, conn.cluster.protocol_version,
      conn.cluster.profile_manager.default.consistency_level)
"""


def test_converted_setup_script_creates_its_tables(connection: Connection) -> None:
    converted = upgrade_source(SCRIPT)
    assert "init_coodie(HOSTS, KEYSPACE" not in converted  # named: hosts=..., keyspace=...
    assert "init_coodie(hosts=HOSTS, keyspace=KEYSPACE, protocol_version=4" in converted
    assert "create_keyspace(KEYSPACE, replication_factor=1)" in converted
    assert "    model.sync_table()" in converted and "\nsync_table(Legacy)\n" in converted
    assert [t[1] for t in find_todos(converted)] == ["CU002"]  # Legacy, left on the shim

    keyspace = f"coodie_test_{uuid.uuid4().hex[:12]}_cu007"
    script = Path(os.environ.get("TMPDIR", "/tmp")) / f"{keyspace}.py"
    script.write_text(converted + CHECK)
    env = {
        **os.environ,
        "COODIE_HOSTS": ",".join(cluster_hosts()),
        "SCRIPT_KEYSPACE": keyspace,
        "PYTHONPATH": str(ROOT),
        "CQLENG_ALLOW_SCHEMA_MANAGEMENT": "1",
    }
    try:
        done = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [keyspace, "4", "4"]  # QUORUM is 4
        session = connection.session
        tables = {
            row[0]
            for row in session.execute(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s",
                (keyspace,),
            )
        }
        assert tables == {"reading", "legacy"}
        columns = {
            row[0]: (row[1], row[2])
            for row in session.execute(
                "SELECT column_name, kind, clustering_order FROM system_schema.columns "
                "WHERE keyspace_name = %s AND table_name = 'reading'",
                (keyspace,),
            )
        }
        assert columns == {
            "sensor": ("partition_key", "none"),
            "minute": ("clustering", "desc"),
            "value": ("regular", "none"),
        }
    finally:
        script.unlink(missing_ok=True)
        coodie.sync.drop_keyspace(keyspace)
