"""The configure stage: the inputs were parsed into ``Config`` before the run began; this
reports what the parsing warned about and what the ``python`` input chose."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from py_release.environment import Environment
from py_release.plan import Record


def configure(record: Record, env: Environment) -> Record:
    for warning in env.config.warnings:
        env.reporter.warning(warning, title="input")
    detail = "inputs valid"
    requested = env.config.python
    if requested:
        # scripts/bootstrap picks the interpreter from this input; here it is only reported.
        running = sys.executable
        found = shutil.which(requested)
        if found is None or Path(found).resolve() != Path(running).resolve():
            env.reporter.info(
                f"python input '{requested}' chooses the interpreter scripts/bootstrap "
                f"builds the action's venv with; this process runs on {running}"
            )
        detail += f"; python: {requested}"
    return record.with_stage("configure", "done", detail)
