"""The sandbox redirect: PyPI and TestPyPI routed to local stand-in warehouses for a rehearsal.

``py-release sandbox`` prints three variables for act: ``PY_RELEASE_SANDBOX_PYPI`` and
``PY_RELEASE_SANDBOX_TESTPYPI`` (upload URLs of its two stand-in warehouses) and
``PY_RELEASE_SANDBOX_TRUST_CONFIG`` (its local Sigstore). With them set, every route to PyPI or
TestPyPI -- ``repository: pypi | testpypi | auto``, or an upload URL on PyPI's or TestPyPI's
host, the default ``repository-url`` included -- goes to the stand-in, which keeps PyPI's rules
(no local versions, Trusted Publishing, attestations, its JSON API), so a workflow is rehearsed
unchanged.

A redirect of a real release must never happen silently, so: on a hosted GitHub runner the
variables are refused, not ignored; the URLs must be loopback; while any of them is set,
nothing goes to the real PyPI or TestPyPI (a route without a stand-in is refused); and the log
and the summary name the stand-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from py_release.errors import InputError, ReleaseError
from py_release.index.repositories import IndexInfo, index_info, is_loopback

PYPI_VARIABLE = "PY_RELEASE_SANDBOX_PYPI"
TESTPYPI_VARIABLE = "PY_RELEASE_SANDBOX_TESTPYPI"
TRUST_CONFIG_VARIABLE = "PY_RELEASE_SANDBOX_TRUST_CONFIG"
VARIABLES = (PYPI_VARIABLE, TESTPYPI_VARIABLE, TRUST_CONFIG_VARIABLE)
_VARIABLE_FOR = {"PyPI": PYPI_VARIABLE, "TestPyPI": TESTPYPI_VARIABLE}


class SandboxRouteError(InputError):
    """A ``PY_RELEASE_SANDBOX_*`` variable that cannot be honoured here (not loopback, on a
    hosted runner, or a rehearsal that would reach the real index). Fix: the upload URL
    ``py-release sandbox`` prints, or no such variables to publish for real.

    An ``InputError`` so that it is reported with the inputs' errors, all at once; it names the
    variable, not an input.
    """

    def __init__(self, variable: str, message: str, hint: str) -> None:
        ReleaseError.__init__(self, f"{variable} {message}", hint)
        self.input_name = variable


def on_hosted_runner(environ: Mapping[str, str]) -> bool:
    """GitHub's own runner: GitHub Actions, and not act (which sets ACT=true)."""
    return environ.get("GITHUB_ACTIONS") == "true" and environ.get("ACT") != "true"


def _stand_in_url(variable: str, raw: str) -> str:
    hint = (
        f"set {variable} to the upload URL `py-release sandbox` prints "
        "(http://127.0.0.1:PORT/legacy/), or remove it"
    )
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a port
    except ValueError:
        raise SandboxRouteError(variable, "is not a valid URL", hint) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SandboxRouteError(variable, "is not an http(s) URL", hint)
    if parts.username or parts.password:
        raise SandboxRouteError(variable, "contains credentials", hint)
    if not is_loopback(parts.hostname):
        raise SandboxRouteError(
            variable,
            f"points at {parts.hostname}, which is not loopback: the sandbox redirect only goes "
            "to stand-ins on this machine (127.0.0.1, ::1 or localhost)",
            hint,
        )
    return raw


def _same_url(left: str, right: str) -> bool:
    a, b = urlsplit(left), urlsplit(right)
    return (a.scheme, a.netloc.lower(), a.path.rstrip("/")) == (
        b.scheme,
        b.netloc.lower(),
        b.path.rstrip("/"),
    )


@dataclass(frozen=True)
class SandboxRoutes:
    """The stand-ins in effect for this run; all None outside a sandbox."""

    pypi: str | None = None
    testpypi: str | None = None
    # None also when the sigstore-trust-config input is given: the input wins.
    trust_config: Path | None = None

    @property
    def active(self) -> bool:
        return bool(self.pypi or self.testpypi or self.trust_config)

    def _stand_in(self, label: str) -> str | None:
        return self.pypi if label == "PyPI" else self.testpypi

    def index_for(self, upload_url: str) -> IndexInfo:
        """The index a run with this upload URL publishes to: PyPI and TestPyPI become their
        stand-ins; the stand-ins' own URLs are the stand-ins too.

        Raises ``SandboxRouteError`` for a route to the real PyPI or TestPyPI while the sandbox
        is in effect: a rehearsal never publishes for real.
        """
        real = index_info(upload_url)
        if not self.active:
            return real
        label = real.label
        if label is None:
            for candidate in _VARIABLE_FOR:
                stand_in = self._stand_in(candidate)
                if stand_in and _same_url(stand_in, upload_url):
                    return stand_in_index(stand_in, candidate)
            return real
        stand_in = self._stand_in(label)
        if stand_in is None:
            set_names = " and ".join(
                name for name, value in self.in_effect().items() if value is not None
            )
            raise SandboxRouteError(
                _VARIABLE_FOR[label],
                f"is not set, and this run goes to {label}: with {set_names} set this is a "
                f"sandbox rehearsal, which never publishes to the real {label}",
                f"set {_VARIABLE_FOR[label]} to the {label} stand-in's upload URL "
                "(`py-release sandbox` prints it), or remove the PY_RELEASE_SANDBOX_* variables "
                "to publish for real",
            )
        return stand_in_index(stand_in, label)

    def in_effect(self) -> dict[str, str | None]:
        """Each variable and the value in effect (None: not set, or overridden)."""
        trust = str(self.trust_config) if self.trust_config else None
        return {PYPI_VARIABLE: self.pypi, TESTPYPI_VARIABLE: self.testpypi,
                TRUST_CONFIG_VARIABLE: trust}  # fmt: skip

    def notes(self) -> list[str]:
        """Log lines that say the sandbox is in effect; none outside it."""
        lines = []
        for label, variable in _VARIABLE_FOR.items():
            stand_in = self._stand_in(label)
            if stand_in:
                lines.append(f"sandbox: {label} is the stand-in at {stand_in} ({variable})")
        if self.trust_config:
            lines.append(
                f"sandbox: Sigstore trust config {self.trust_config} ({TRUST_CONFIG_VARIABLE}); "
                "attestations are signed by the sandbox's Sigstore"
            )
        return lines


def stand_in_index(upload_url: str, label: str) -> IndexInfo:
    """A stand-in warehouse at ``upload_url`` standing for ``label`` (PyPI or TestPyPI): a
    warehouse, so PyPI's rules apply, with its web root on the stand-in's host."""
    parts = urlsplit(upload_url)
    web = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    return IndexInfo(upload_url, index_info(upload_url).simple_url, web, stand_in_for=label)


def read_sandbox_routes(
    environ: Mapping[str, str], *, trust_config_input: bool = False
) -> tuple[SandboxRoutes, list[InputError]]:
    """The routes the ``PY_RELEASE_SANDBOX_*`` variables ask for, and every reason they cannot
    be honoured (then the routes are empty). ``trust_config_input``: the sigstore-trust-config
    input is given, so the trust-config variable is not used."""
    given = {name: environ.get(name, "").strip() for name in VARIABLES}
    given = {name: value for name, value in given.items() if value}
    if not given:
        return SandboxRoutes(), []
    errors: list[InputError] = []
    if on_hosted_runner(environ):
        for name in given:
            errors.append(
                SandboxRouteError(
                    name,
                    "is set on a hosted GitHub runner, where the release sandbox is never "
                    "honoured (it would redirect a real release)",
                    f"remove {name} from the workflow's env; it is for rehearsals under act",
                )
            )
        return SandboxRoutes(), errors
    urls: dict[str, str | None] = {}
    for name in (PYPI_VARIABLE, TESTPYPI_VARIABLE):
        try:
            urls[name] = _stand_in_url(name, given[name]) if name in given else None
        except SandboxRouteError as error:
            errors.append(error)
    if errors:
        return SandboxRoutes(), errors
    trust = given.get(TRUST_CONFIG_VARIABLE)
    routes = SandboxRoutes(
        pypi=urls[PYPI_VARIABLE],
        testpypi=urls[TESTPYPI_VARIABLE],
        trust_config=Path(trust) if trust and not trust_config_input else None,
    )
    return routes, []
