"""Where the vulnerability data comes from: PyPI's JSON API, read through pip-audit's
``PyPIService``.

PyPI's API and not OSV's (pip-audit offers both) because on a runner it is the host the release
already talks to (no new egress to allow on a locked-down runner), its answers come from a CDN
that caches them, one GET per package version, and its data is the PyPA advisory database that
OSV serves too, as PyPI shows it on each project's page. And the sandbox's warehouse stand-in
serves the same API, so a rehearsal audits offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version
from pip_audit._service import (
    PyPIService,
    ResolvedDependency,
    ServiceError,
    SkippedDependency,
    VulnerabilityResult,
)
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from requests.models import PreparedRequest

PYPI = "https://pypi.org"
TIMEOUT = 15
# Lookups at a time: small GETs a CDN answers, unlike uploads (the concurrency input), so more
# of them go at once; the session keeps as many connections.
LOOKUPS_AT_ONCE = 16


class VulnerabilityDataUnavailable(Exception):
    """The service did not answer (unreachable, timed out, or an answer we cannot read)."""


class _ToStandIn(HTTPAdapter):
    """Sends what is addressed to PyPI to the sandbox's stand-in warehouse instead: pip-audit
    addresses PyPI by name."""

    def __init__(self, origin: str) -> None:
        super().__init__(pool_maxsize=LOOKUPS_AT_ONCE)
        self._origin = origin.rstrip("/")

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = self._origin + request.url[len(PYPI) :]
        return super().send(request, *args, **kwargs)


@dataclass
class VulnerabilitySource:
    """PyPI's JSON API (or the sandbox's stand-in of it) for releases and vulnerabilities."""

    session: requests.Session

    def __post_init__(self) -> None:
        # pip-audit's own session caches answers on disk under the user's cache folder; ours
        # does not (a runner starts empty, and a rehearsal's answers must not outlive it).
        self._service = PyPIService(timeout=TIMEOUT)
        self._service.session = self.session

    def releases(self, name: str) -> Mapping[str, Any] | None:
        """The project's releases (version -> files), or None when PyPI has no such project."""
        url = f"{PYPI}/pypi/{canonicalize_name(name)}/json"
        try:
            response = self.session.get(url, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise VulnerabilityDataUnavailable(_reason(error)) from None
        if response.status_code == 404:
            return None
        if not response.ok:
            raise VulnerabilityDataUnavailable(f"{url} answered {response.status_code}")
        try:
            releases = response.json().get("releases")
        except (ValueError, AttributeError):
            raise VulnerabilityDataUnavailable(f"{url} answered with no JSON") from None
        if not isinstance(releases, dict):
            raise VulnerabilityDataUnavailable(f"{url} lists no releases")
        return releases

    def vulnerabilities(self, name: str, version: Version) -> list[VulnerabilityResult] | None:
        """The known vulnerabilities of ``name`` at ``version``; None when PyPI does not know
        that version."""
        try:
            found, results = self._service.query(ResolvedDependency(name=name, version=version))
        except (ServiceError, requests.RequestException, ConnectionError, ValueError) as error:
            raise VulnerabilityDataUnavailable(_reason(error)) from None
        if isinstance(found, SkippedDependency):
            return None
        return list(results)


def _reason(error: BaseException) -> str:
    cause = error.__cause__ or error
    if isinstance(cause, requests.ConnectionError | ConnectionError):
        return "PyPI's JSON API cannot be reached"
    if isinstance(cause, requests.Timeout):
        return f"PyPI's JSON API did not answer in {TIMEOUT} s"
    if isinstance(cause, requests.HTTPError) and cause.response is not None:
        return f"PyPI's JSON API answered {cause.response.status_code}"
    return f"PyPI's JSON API gave an answer that cannot be read ({type(cause).__name__})"


def vulnerability_source(session: requests.Session, stand_in: str | None) -> VulnerabilitySource:
    """Over ``session``; to the stand-in warehouse at ``stand_in`` (its origin) when given."""
    session.mount(
        PYPI + "/", _ToStandIn(stand_in) if stand_in else HTTPAdapter(pool_maxsize=LOOKUPS_AT_ONCE)
    )
    return VulnerabilitySource(session)
