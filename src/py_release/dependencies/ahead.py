"""py-release's own packages looked up while the build runs: they are known from the start,
and their lookups (one round trip each, 16 at a time, some eighty packages) would
otherwise be waited for after the check.

Started by the preload thread before its other imports (``release.run_release``): this
module's imports (requests, pip-audit) are done by then, and the lookups import nothing the
preload thread imports after (twine, pypi-simple, sigstore). The audit stage takes the answer,
or its error, and never starts the lookups a second time.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

import requests

from py_release.dependencies.audit import Lookups, look_up_installed
from py_release.dependencies.declared import installed_closure
from py_release.dependencies.service import VulnerabilitySource, vulnerability_source
from py_release.index.sandbox_routes import stand_in_index

if TYPE_CHECKING:
    from py_release.config import Config
    from py_release.environment import Environment

KEY = "py-release"


def stand_in_origin(config: Config) -> str | None:
    """Where PyPI's JSON API is in a rehearsal (the PyPI stand-in's web root); None for PyPI."""
    upload_url = config.sandbox.pypi
    return stand_in_index(upload_url, "PyPI").web_url if upload_url else None


def look_up_own(source: VulnerabilitySource, config: Config) -> Lookups:
    return look_up_installed(source, installed_closure(), ignore=config.audit_ignore)


def start_own_lookups(env: Environment) -> None:
    """Start looking up py-release's own packages in the background, for the audit stage."""
    config = env.config
    if config.audit == "off" or (config.sandbox.active and not config.sandbox.pypi):
        return
    answer: Future[Lookups] = Future()
    answer.set_running_or_notify_cancel()

    def run() -> None:
        try:
            with requests.Session() as session:
                source = vulnerability_source(session, stand_in_origin(config))
                answer.set_result(look_up_own(source, config))
        # Broad on purpose: whatever the lookups raised is the audit stage's to raise.
        except BaseException as error:  # noqa: BLE001
            answer.set_exception(error)

    env.audit_ahead[KEY] = answer
    threading.Thread(target=run, name="py-release-audit", daemon=True).start()


def own_lookups(env: Environment, source: VulnerabilitySource) -> Lookups:
    """The lookups started ahead, or, when none were, made now through ``source``."""
    ahead = env.audit_ahead.pop(KEY, None)
    return ahead.result() if ahead is not None else look_up_own(source, env.config)
