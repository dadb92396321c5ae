"""`make run` (honcho on Procfile.dev) restarts a worker or beat that dies, and keeps the
web server up, instead of stopping everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_dead_worker_is_restarted_and_the_rest_keeps_running(tmp_path):
    procfile = (ROOT / "Procfile.dev").read_text()
    worker = re.search(r"^worker: (.+)$", procfile, re.MULTILINE).group(1)
    # A stand-in celery that dies at once, run by the Procfile's own worker line.
    fake = tmp_path / ".venv" / "bin" / "celery"
    fake.parent.mkdir(parents=True)
    fake.write_text(f'#!/bin/sh\necho started >> "{tmp_path}/starts"\nexit 1\n')
    fake.chmod(0o755)
    (tmp_path / "Procfile").write_text(f"web: sleep 60\nworker: {worker}\n")
    honcho = Path(sys.executable).parent / "honcho"
    process = subprocess.Popen(
        [str(honcho), "-f", "Procfile", "start"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        starts = tmp_path / "starts"
        while time.monotonic() < deadline:
            if starts.exists() and len(starts.read_text().split()) >= 2:
                break
            time.sleep(0.2)
        assert process.poll() is None, "honcho stopped everything when the worker died"
        assert len(starts.read_text().split()) >= 2, "the worker was not restarted"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    assert "restarting in 3 s" in output
