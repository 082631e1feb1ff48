"""The GitHub Release of a tag: what goes in it (the distributions and their attestations, a
body with the index links and hashes), how it compares with what a release already holds, and
creating or completing it through PyGithub.

PyGithub is imported inside :func:`publish_release` only: it is most of a second of start-up,
and only runs that make a release need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from py_release import __version__
from py_release.distributions.files import DistFile, FileHashes
from py_release.errors import ReleaseError
from py_release.secrets import Secret

if TYPE_CHECKING:
    from github.GitRelease import GitRelease
    from github.Repository import Repository

BEGIN = "<!-- py-release:begin -->"
END = "<!-- py-release:end -->"
_RECORDED_ROW = re.compile(r"^\| (?:\[)?`([^`]+)`(?:\]\([^)]*\))? \| `([0-9a-f]{64})` \|", re.M)
# Requests to GitHub: a minute without a byte is a dead connection, not a slow one.
TIMEOUT = 60
AFTER_UPLOAD = "the files are on the index; after the fix, re-run the job: the index uploads "


class GitHubReleaseError(ReleaseError):
    """The GitHub Release could not be created or completed."""


class GitHubPermissionError(GitHubReleaseError):
    """The token may read the repository but not write its releases."""


class GitHubCredentialsError(GitHubReleaseError):
    """GitHub does not accept the token."""


class AssetConflictError(GitHubReleaseError):
    """The release has an asset of the same name with other contents."""


# -- what goes in the release -------------------------------------------------------------------


@dataclass(frozen=True)
class LocalAsset:
    name: str
    path: Path
    size: int
    sha256: str
    content_type: str
    # Where the file can be read on the index (the file itself, or its provenance).
    link: str = ""


@dataclass(frozen=True)
class RemoteAsset:
    name: str
    size: int
    digest: str | None  # "sha256:<hex>", when the API gives it


@dataclass(frozen=True)
class Conflict:
    name: str
    reason: str


@dataclass(frozen=True)
class AssetDiff:
    upload: tuple[LocalAsset, ...]
    same: tuple[str, ...]
    conflicts: tuple[Conflict, ...]


def is_prerelease(version: str) -> bool:
    """PEP 440: a, b, rc and dev releases are pre-releases (post-releases are not)."""
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def _sha256(path: Path) -> str:
    return DistFile(path).hashes.sha256


def local_assets(
    dists: Sequence[DistFile],
    attestations: Sequence[tuple[str, Path]],
    *,
    file_links: Mapping[str, str],
    provenance_links: Mapping[str, str],
) -> tuple[LocalAsset, ...]:
    """Each distribution, then the attestation staged for it (``(distribution, path)``), by
    name: the same files give the same body, however they were found or built."""
    assets: list[LocalAsset] = []
    staged = dict(attestations)
    for dist in sorted(dists, key=lambda d: d.name):
        hashes: FileHashes = dist.hashes
        assets.append(
            LocalAsset(
                dist.name,
                dist.path,
                dist.size,
                hashes.sha256,
                "application/octet-stream",
                file_links.get(dist.name, ""),
            )
        )
        attestation = staged.get(dist.name)
        if attestation is not None and attestation.is_file():
            assets.append(
                LocalAsset(
                    attestation.name,
                    attestation,
                    attestation.stat().st_size,
                    _sha256(attestation),
                    "application/json",
                    provenance_links.get(dist.name, ""),
                )
            )
    return tuple(assets)


def recorded_hashes(body: str | None) -> dict[str, str]:
    """The sha256 of each file as an earlier run wrote it into its section of the body."""
    section = _our_section(body or "")
    return {match[1]: match[2] for match in _RECORDED_ROW.finditer(section or "")}


def diff_assets(
    local: Sequence[LocalAsset], remote: Sequence[RemoteAsset], recorded: Mapping[str, str]
) -> AssetDiff:
    """Which assets to upload, which the release already has, and which it has otherwise.

    An asset counts as the same file when GitHub's digest equals ours. Where the API gives no
    digest (GitHub Enterprise Server before 3.18), it counts as the same when its size matches
    and the body our earlier run wrote records this sha256 for it: that run computed the hash
    from the bytes it uploaded, and the release keeps both. Anything else is a conflict; an
    asset is never replaced, as a published file is never replaced on the index.
    """
    on_release = {asset.name: asset for asset in remote}
    upload: list[LocalAsset] = []
    same: list[str] = []
    conflicts: list[Conflict] = []
    for asset in local:
        found = on_release.get(asset.name)
        if found is None:
            upload.append(asset)
        elif found.digest is not None:
            if found.digest.lower() == f"sha256:{asset.sha256}":
                same.append(asset.name)
            else:
                conflicts.append(Conflict(asset.name, f"GitHub's digest is {found.digest}"))
        elif found.size != asset.size:
            conflicts.append(Conflict(asset.name, f"{found.size} bytes, this file {asset.size}"))
        elif recorded.get(asset.name) == asset.sha256:
            same.append(asset.name)
        else:
            conflicts.append(
                Conflict(
                    asset.name,
                    "the API gives no digest and the release body records no matching sha256",
                )
            )
    return AssetDiff(tuple(upload), tuple(same), tuple(conflicts))


def body_section(project: str, version: str, project_url: str, assets: Sequence[LocalAsset]) -> str:
    """Our part of the release body, between markers so a re-run can find and replace it."""
    lines = [
        BEGIN,
        f"### {project} {version}",
        "",
        f"On the index: {project_url}" if project_url else "",
        "",
        "| File | SHA256 |",
        "|---|---|",
    ]
    for asset in assets:
        name = f"[`{asset.name}`]({asset.link})" if asset.link else f"`{asset.name}`"
        lines.append(f"| {name} | `{asset.sha256}` |")
    if any(asset.name.endswith(".attestation") for asset in assets):
        lines += [
            "",
            "The `.publish.attestation` files are the PEP 740 attestations the index holds for "
            "each distribution; their links lead to the provenance the index serves.",
        ]
    lines += ["", f"_Published by py-release {__version__}._", END]
    return "\n".join(line for i, line in enumerate(lines) if line or lines[i - 1])


def _our_section(body: str) -> str | None:
    start = body.find(BEGIN)
    end = body.find(END, start)
    if start < 0 or end < 0:
        return None
    return body[start : end + len(END)]


def merge_body(existing: str | None, section: str) -> str:
    """The release body with our section replaced (a re-run) or appended after what people
    wrote (a release someone made by hand), never their text overwritten."""
    existing = existing or ""
    ours = _our_section(existing)
    if ours is not None:
        return existing.replace(ours, section)
    if existing.strip():
        return f"{existing.rstrip()}\n\n{section}"
    return section


# -- talking to GitHub --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseRequest:
    api_url: str
    repository: str
    tag: str
    draft: bool
    prerelease: bool
    section: str
    assets: tuple[LocalAsset, ...]


@dataclass(frozen=True)
class ReleaseOutcome:
    url: str
    created: bool
    draft: bool
    prerelease: bool
    uploaded: tuple[str, ...]
    same: tuple[str, ...]


def _github_message(data: Any) -> str:
    """GitHub's own words from an error answer (never the headers, which hold the request's)."""
    if not isinstance(data, dict):
        return ""
    message = str(data.get("message") or "")
    codes = [
        f"{e.get('field', '')} {e.get('code', '')}".strip()
        for e in data.get("errors") or []
        if isinstance(e, dict)
    ]
    return f"{message} ({', '.join(codes)})" if codes else message


def _has_code(data: Any, code: str) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("code") == code for e in errors or [])


def translate(
    status: int, data: Any, *, doing: str, repository: str, api_url: str
) -> GitHubReleaseError:
    """One GitHub error answer as an error with its fix."""
    said = _github_message(data)
    message = f"GitHub answered {status} {said} while {doing}".replace("  ", " ")
    if status == 401:
        return GitHubCredentialsError(
            message,
            "GitHub does not accept github-token: leave the input at its default (the job's "
            "token) or give a valid, unexpired token; " + AFTER_UPLOAD + "are skipped",
        )
    if status == 403 and "not accessible" in said.lower():
        return GitHubPermissionError(
            message,
            "the token may not write releases: add `permissions: contents: write` to the job "
            "that runs py-release (a fine-grained token needs Contents: read and write); "
            + AFTER_UPLOAD
            + "are skipped and the release is completed",
        )
    if status == 404 and doing.startswith("reading the repository"):
        return GitHubReleaseError(
            message,
            f"check GITHUB_REPOSITORY ({repository}) and GITHUB_API_URL ({api_url}), and that "
            "github-token is for this repository (a token of another repository or an app "
            "not installed on it is answered 404)",
        )
    if status == 422 and _has_code(data, "already_exists"):
        return GitHubReleaseError(
            message,
            "something else created the same release or asset while this job ran (another run "
            "of this workflow?); re-run the job: what is already there and identical is "
            "skipped",
        )
    return GitHubReleaseError(
        message,
        "see GitHub's message; " + AFTER_UPLOAD + "are skipped, and so are the release's "
        "identical assets",
    )


@contextmanager
def _calling(doing: str, request: ReleaseRequest) -> Iterator[None]:
    from github import GithubException
    from requests import RequestException
    from urllib3.exceptions import HTTPError

    try:
        yield
    except GithubException as error:
        raise translate(
            error.status,
            error.data,
            doing=doing,
            repository=request.repository,
            api_url=request.api_url,
        ) from None
    except (RequestException, HTTPError) as error:
        raise GitHubReleaseError(
            f"cannot reach GitHub's API at {request.api_url} while {doing}: {type(error).__name__}",
            "check GITHUB_API_URL; " + AFTER_UPLOAD + "are skipped",
        ) from None


def _find_release(repo: Repository, tag: str) -> GitRelease | None:
    """The published release of ``tag``, else a draft for it (a draft is not found by its tag;
    an earlier run that stopped before publishing leaves one)."""
    from github import UnknownObjectException

    try:
        return repo.get_release(tag)
    except UnknownObjectException:
        pass
    for release in repo.get_releases():
        if release.draft and release.tag_name == tag:
            return release
    return None


def _refuse_conflicts(diff: AssetDiff, tag: str) -> None:
    if diff.conflicts:
        raise AssetConflictError(
            f"the GitHub Release {tag} already has assets of these names with other contents: "
            + "; ".join(f"{c.name} ({c.reason})" for c in diff.conflicts),
            "an asset is never replaced silently: if the release's file is wrong, delete that "
            "asset on the release's page and re-run the job; if these files are wrong, release "
            "a new version",
        )


def publish_release(
    request: ReleaseRequest, token: Secret, *, log: Callable[[str], None]
) -> ReleaseOutcome:
    """Create the release of the tag (or complete the existing one) with every asset.

    A new release is made as a draft, given its assets, then published as asked: watchers
    never see a release without its files, and immutable releases take no assets once
    published. Nothing is changed before every existing asset is known to match.
    """
    from github import Auth, Github, GithubRetry

    client = Github(
        base_url=request.api_url,
        auth=Auth.Token(token.reveal()),
        timeout=TIMEOUT,
        user_agent=f"py-release/{__version__}",
        # Reads are retried (5xx, rate limits); writes are not: a retried upload whose first
        # attempt landed would fail with already_exists, and a re-run of the job settles it.
        retry=GithubRetry(total=3, backoff_factor=1.0, allowed_methods=frozenset({"GET"})),
    )
    try:
        with _calling(f"reading the repository {request.repository}", request):
            repo = client.get_repo(request.repository)
        with _calling(f"looking up the release of {request.tag}", request):
            release = _find_release(repo, request.tag)
            remote = (
                [RemoteAsset(a.name, a.size, a.digest) for a in release.get_assets()]
                if release
                else []
            )
        recorded = recorded_hashes(release.body if release else None)
        diff = diff_assets(request.assets, remote, recorded)
        _refuse_conflicts(diff, request.tag)
        for name in diff.same:
            log(f"{name}: already on the release with the same sha256, skipped")
        body = merge_body(release.body if release else None, request.section)
        created = release is None
        if release is None:
            with _calling(f"creating the release of {request.tag}", request):
                release = repo.create_git_release(
                    request.tag,
                    name=request.tag,
                    message=body,
                    draft=True,
                    prerelease=request.prerelease,
                    make_latest="legacy",
                )
            log(f"created a draft release of {request.tag}")
        uploaded: list[str] = []
        for asset in diff.upload:
            with _calling(f"uploading {asset.name} to the release", request):
                release.upload_asset(
                    str(asset.path), name=asset.name, content_type=asset.content_type
                )
            log(f"{asset.name}: uploaded to the release ({asset.size} bytes)")
            uploaded.append(asset.name)
        # Never turn a published release back into a draft: its page and links are public.
        draft = request.draft and release.draft
        unchanged = (release.body or "", release.draft, release.prerelease) == (
            body,
            draft,
            request.prerelease,
        )
        if unchanged and not uploaded:
            log(f"the release of {request.tag} is complete; nothing to change")
            return ReleaseOutcome(
                release.html_url, created, release.draft, release.prerelease, (), diff.same
            )
        with _calling(f"updating the release of {request.tag}", request):
            release = release.update_release(
                name=release.name or request.tag,
                message=body,
                draft=draft,
                prerelease=request.prerelease,
                make_latest="legacy",
            )
        return ReleaseOutcome(
            url=release.html_url,
            created=created,
            draft=release.draft,
            prerelease=release.prerelease,
            uploaded=tuple(uploaded),
            same=diff.same,
        )
    finally:
        client.close()
