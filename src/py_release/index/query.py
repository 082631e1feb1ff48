"""What the index already holds for a project: file names and sha256, read from its simple API
(PEP 691 JSON, or HTML with ``#sha256=`` fragments) through ``pypi-simple``; and the query
step before the upload, which settles what is sent and what is refused."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast
from urllib.parse import urljoin, urlsplit

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version

from py_release.distributions.files import dist_kind, release_in_filename, version_in_filename
from py_release.errors import ExistingFilesError, IndexQueryError
from py_release.index.repositories import IndexInfo
from py_release.secrets import Secret

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import FileStatus, Plan

TIMEOUT = (10, 60)


@dataclass(frozen=True)
class IndexFile:
    filename: str
    sha256: str | None
    url: str = ""


class IndexRedirected(IndexQueryError):
    """The index answered a listing with a redirect to another host (pypiserver does this,
    to PyPI, for projects it does not hold, unless started with ``--disable-fallback``); what
    that host lists is not what this index holds. Fix: start pypiserver with
    ``--disable-fallback``, or point repository-url at the index itself."""

    def __init__(self, url: str, location: str) -> None:
        super().__init__(
            f"the index answered {url} with a redirect to {location}, another host",
            "what another host lists is not on this index: start pypiserver with "
            "--disable-fallback (it redirects projects it does not hold to PyPI), or set "
            "repository-url to the index itself",
        )
        self.location = location


_MAX_HOPS = 5


class _SameHostReads:
    """What pypi-simple needs of a session (``get``, ``headers``, ``auth``), over a shared
    session, following redirects only on the same scheme, host and port: requests follows
    any redirect, and a listing from another host would be taken for this index's. Written
    here because neither requests nor pypi-simple can limit redirects to one host."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session
        self.headers = session.headers
        self.auth: tuple[str, str] | None = None

    def get(self, url: str, **kwargs: object) -> requests.Response:
        origin = urlsplit(url)[:2]
        for _ in range(_MAX_HOPS):
            response = self._session.get(
                url,
                allow_redirects=False,
                auth=self.auth,
                **kwargs,  # type: ignore[arg-type]
            )
            location = response.headers.get("Location")
            if not response.is_redirect or not location:
                return response
            target = urljoin(url, location)
            if urlsplit(target)[:2] != origin:
                response.close()
                raise IndexRedirected(url, target)
            url = target
        raise IndexQueryError(
            f"the index redirected {url} more than {_MAX_HOPS} times",
            "check repository-url: the index's simple API should answer without a loop",
        )

    def close(self) -> None:
        """The shared session belongs to the run, not to this reader."""


def _auth_for(index: IndexInfo, user: str, password: Secret | None) -> tuple[str, str] | None:
    # Credentials go only to the host they were given for (the upload host).
    if password is None or urlsplit(index.simple_url).netloc != index.host:
        return None
    return (user, password.reveal())


def _pypi_release_files(
    index: IndexInfo, project: str, version: str, session: requests.Session
) -> dict[str, IndexFile] | None:
    """One release's files from PyPI's JSON API; None when it cannot say (fall back)."""
    url = f"{index.web_url}pypi/{canonicalize_name(project)}/{version}/json"
    try:
        response = session.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        if response.status_code != 200:
            return None
        urls = response.json().get("urls", [])
        return {
            entry["filename"]: IndexFile(
                entry["filename"], entry.get("digests", {}).get("sha256"), entry.get("url", "")
            )
            for entry in urls
        }
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError):
        return None


def existing_files(
    index: IndexInfo,
    project: str,
    *,
    session: requests.Session,
    user: str = "__token__",
    password: Secret | None = None,
    version: str | None = None,
) -> dict[str, IndexFile]:
    """Files the index lists for ``project`` by name; empty when the project does not exist.

    On PyPI and TestPyPI, with ``version``, their JSON API answers for just that release;
    elsewhere (and as the fallback) the simple API, PEP 691 JSON or HTML.
    Raises ``IndexQueryError`` when the index cannot be asked.
    """
    if index.is_pypi and version:
        release = _pypi_release_files(index, project, version, session)
        if release:
            return release
    # Imported here: pypi-simple (pydantic models, an HTML parser) is a quarter of a second of
    # start-up, and the first lines of a run should not wait for it.
    from pypi_simple import NoSuchProjectError, PyPISimple

    reads = _SameHostReads(session)
    client = PyPISimple(
        index.simple_url,
        session=cast("requests.Session", reads),
        auth=_auth_for(index, user, password),
    )
    try:
        page = client.get_project_page(project, timeout=TIMEOUT)
    except NoSuchProjectError:
        return {}
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise IndexQueryError(
            f"the index's simple API at {index.simple_url} answered {status} for '{project}'",
            "check repository-url; py-release reads the simple API beside the upload URL "
            "to learn which files already exist",
        ) from None
    except requests.RequestException as exc:
        raise IndexQueryError(
            f"cannot reach the index's simple API at {index.simple_url}: {type(exc).__name__}",
            "check that the index is up and that repository-url is right",
        ) from None
    return {
        package.filename: IndexFile(package.filename, package.digests.get("sha256"), package.url)
        for package in page.packages
    }


# What a listing read ahead was for: the query stage takes it only for the same release on
# the same index.
ListingKey = tuple[str, str, str]


def _listing_key(index: IndexInfo, project: str, version: str) -> ListingKey:
    return (index.simple_url, canonicalize_name(project), str(Version(version)))


def _read_listing(
    plan: Plan, env: Environment, session: requests.Session, project: str, version: str
) -> dict[str, IndexFile]:
    config = env.config
    return existing_files(
        plan.decision.index,
        project,
        session=session,
        user=config.user,
        password=config.password,
        version=version,
    )


def read_listing_ahead(plan: Plan, env: Environment) -> None:
    """Start reading what the index holds of ``plan``'s release in a background thread, for
    the query stage to take: the read is a round trip to the index (a third of a second to
    PyPI from far away) that the check, authentication and signing would otherwise wait
    before. It only reads, with the same credentials the query would use; its answer, or its
    error, is the query stage's, and it is not used for anything else.

    pypi-simple is imported here, on the calling thread: the reader thread then imports
    nothing, so it never races another thread's imports through a shared package (pydantic,
    which sigstore also uses).
    """
    releases = {release_in_filename(dist.name) for dist in plan.dists}
    if len(releases) != 1 or None in releases:
        return  # the check refuses a folder of several releases; the query reads after it
    [(project, version)] = cast("set[tuple[str, Version]]", releases)
    import pypi_simple  # noqa: F401

    # Taken on this thread: two threads reaching the cached session at once could open two.
    session = env.session
    answer: Future[dict[str, IndexFile]] = Future()
    answer.set_running_or_notify_cancel()

    def run() -> None:
        try:
            answer.set_result(_read_listing(plan, env, session, project, str(version)))
        # Broad on purpose: whatever the read raised is the query stage's to raise.
        except BaseException as error:  # noqa: BLE001
            answer.set_exception(error)

    env.listings_ahead[_listing_key(plan.decision.index, project, str(version))] = answer
    threading.Thread(target=run, name="py-release-listing", daemon=True).start()


def query_stage(plan: Plan, env: Environment) -> Plan:
    """Each file's status against what the index holds. Identical files are never sent again
    (only reported); a file of the same name with other contents refuses the whole release
    before any upload (a dry run warns instead)."""
    decision = plan.decision
    ahead = env.listings_ahead.pop(_listing_key(decision.index, plan.project, plan.version), None)
    try:
        on_index = (
            ahead.result()
            if ahead is not None
            else _read_listing(plan, env, env.session, plan.project, plan.version)
        )
    except IndexRedirected as redirected:
        # The index sends the listing elsewhere because it holds nothing of the project (as
        # pypiserver's fallback does); what the other host holds is not counted.
        env.reporter.warning(
            f"{redirected.message}; counted as: this index holds no files of {plan.project} "
            f"({redirected.hint})",
            title="index",
        )
        on_index = {}
    statuses: dict[str, FileStatus] = dict(plan.statuses)
    same: list[str] = []
    differs: list[str] = []
    for dist in plan.dists:
        found = on_index.get(dist.name)
        if found is None:
            statuses[dist.name] = "would upload" if decision.dry_run else "pending"
        elif found.sha256 in (None, dist.hashes.sha256):
            same.append(dist.name)
            statuses[dist.name] = "already on index"
        else:
            differs.append(dist.name)
            statuses[dist.name] = "differs on index"
    if same:
        env.reporter.info(
            f"{len(same)} files are already on the index and will not be sent again: "
            + ", ".join(same)
        )
    second_sdist = _second_sdist(plan, on_index, statuses)
    if differs or second_sdist:
        problem = _existing_problem(differs, second_sdist, plan.version)
        if not decision.dry_run:
            raise problem
        env.reporter.warning(
            f"a real run would fail: {problem.message} ({problem.hint})", title="index"
        )
    return replace(plan, on_index=on_index, statuses=statuses)


def _second_sdist(
    plan: Plan, on_index: Mapping[str, IndexFile], statuses: Mapping[str, FileStatus]
) -> tuple[str, str] | None:
    """(on the index, ours) when the index has an sdist of this version under another name
    (a ``.zip``, or a name from before PEP 625) and ours would be sent: PyPI takes one sdist
    per release."""
    version = Version(plan.version)
    theirs = sorted(
        name for name in on_index
        if dist_kind(name) == "sdist" and version_in_filename(name) == version
        and name not in statuses
    )  # fmt: skip
    ours = [
        dist.name for dist in plan.dists
        if dist.kind == "sdist" and statuses.get(dist.name) in ("pending", "would upload")
    ]  # fmt: skip
    return (theirs[0], ours[0]) if theirs and ours else None


def _existing_problem(
    differs: list[str], second_sdist: tuple[str, str] | None, version: str
) -> ExistingFilesError:
    reasons, hints = [], []
    if differs:
        reasons.append(
            "the index already has files of these names with other contents: " + ", ".join(differs)
        )
        hints.append("a published file can never be replaced: release a new version")
    if second_sdist:
        theirs, ours = second_sdist
        reasons.append(
            f"the index already has an sdist of {version}, {theirs}, so {ours} would be "
            "refused (PyPI: Only one sdist may be uploaded per release.)"
        )
        hints.append(
            f"leave {ours} out (build: wheel, or remove it from packages-dir) to add wheels "
            "to the release, or release a new version"
        )
    return ExistingFilesError("; ".join(reasons), "; ".join(hints))
