from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from coodie.codemods.cli import main


def test_upgrade_compat_swaps_the_imports(tmp_path: Path) -> None:
    source = tmp_path / "models.py"
    source.write_text("from cassandra.cqlengine.models import Model\n")
    assert main(["--compat", "--quiet", str(source)]) == 0
    assert source.read_text() == "from coodie.compat.cqlengine.models import Model\n"
    assert main(["--help"]) == 0


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("coodie-upgrade")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "usage: coodie-upgrade" in done.stdout
