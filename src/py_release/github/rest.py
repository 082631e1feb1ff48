"""Creating or completing the GitHub Release of a tag through PyGithub, and GitHub's error
answers translated into errors with their fix. What goes in the release is ``assets``.

PyGithub is imported inside :func:`publish_release` only: it is most of a second of start-up,
and only runs that make a release need it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from py_release import __version__
from py_release.errors import ReleaseError
from py_release.github.assets import (
    AssetDiff,
    LocalAsset,
    RemoteAsset,
    diff_assets,
    merge_body,
    recorded_hashes,
)
from py_release.secrets import Secret

if TYPE_CHECKING:
    from github.GitRelease import GitRelease
    from github.Repository import Repository

# Requests to GitHub: a minute without a byte is a dead connection, not a slow one.
TIMEOUT = 60
AFTER_UPLOAD = "the files are on the index; after the fix, re-run the job: the index uploads "


class GitHubReleaseError(ReleaseError):
    """The GitHub Release could not be created or completed (no repository or token, GitHub
    unreachable or refusing). Fix: the hint says; a re-run skips what is already done."""


class GitHubPermissionError(GitHubReleaseError):
    """The token may read the repository but not write its releases. Fix:
    ``permissions: contents: write`` on the job, then re-run."""


class GitHubCredentialsError(GitHubReleaseError):
    """GitHub does not accept the token (401). Fix: leave github-token at the job's token."""


class AssetConflictError(GitHubReleaseError):
    """The release has an asset of the same name with other contents; assets are never
    replaced silently. Fix: delete the wrong asset on the release page, or release anew."""


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
