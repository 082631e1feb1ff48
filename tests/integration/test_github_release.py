"""github-release through the real CLI: the files go to a real pypiserver (or the warehouse
stand-in with Trusted Publishing and attestations), then the release is made on the GitHub
REST stand-in, which is GITHUB_API_URL for the run."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from py_release.distributions.files import DistFile
from py_release.github.assets import body_section, local_assets
from py_release.github.rest import GitHubReleaseError, ReleaseRequest, publish_release
from py_release.sandbox.github_api import GitHubApi, StoredRelease
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from py_release.secrets import Secret
from tests.helpers import CliRun, copy_sample, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret

REPOSITORY = "octo-org/sample-project"
SAMPLE_FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}
# The release's CycloneDX SBOM, which the run writes beside the files and attaches.
SBOM = "py_release_sample-1.0.0.cdx.json"


class Api:
    """The stand-in with a writing token (the job's, with contents: write) and a read-only one."""

    def __init__(self, server: GitHubApi) -> None:
        self.server = server
        self.token = register_secret(f"ghs_{secrets.token_urlsafe(24)}")
        self.read_only = register_secret(f"ghs_{secrets.token_urlsafe(24)}")
        server.add_repository(REPOSITORY)
        server.add_token(self.token, repositories=[REPOSITORY], contents="write")
        server.add_token(self.read_only, repositories=[REPOSITORY], contents="read")

    def release(self, tag: str) -> StoredRelease:
        found = self.server.release_for(REPOSITORY, tag)
        assert found is not None, f"no release of {tag}"
        return found

    def asset_uploads(self) -> int:
        return sum(1 for method, path in self.server.requests if "/api/uploads/" in path)


@pytest.fixture
def api() -> Iterator[Api]:
    with GitHubApi() as server:
        yield Api(server)


def github_env(api: Api, tag: str | None, token: str | None = None) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": f"refs/tags/{tag}" if tag else "refs/heads/main",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": api.server.api_url,
        "GITHUB_SERVER_URL": api.server.url,
        "INPUT_GITHUB-TOKEN": token or api.token,
    }


def publish(
    server: PypiServer,
    api: Api,
    packages: Path,
    tmp_path: Path,
    *extra: str,
    tag: str | None = "v1.0.0",
    token: str | None = None,
    mode: str = "true",
) -> CliRun:
    env = {"INPUT_PASSWORD": server.password.reveal(), **github_env(api, tag, token)}
    return run_cli(
        ["publish", "--repository-url", server.url, "--user", server.user,
         "--packages-dir", str(packages), "--attestations", "false",
         "--github-release", mode, *extra],
        tmp_path,
        env,
    )  # fmt: skip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_release_is_created_with_the_files_as_assets(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, api, packages_dir, tmp_path)

    assert run.returncode == 0, run.log
    release = api.release("v1.0.0")
    assert (release.draft, release.prerelease) == (False, False)
    assert {a.name: a.data for a in release.assets} == {
        name: (packages_dir / name).read_bytes() for name in {*SAMPLE_FILES, SBOM}
    }
    for asset in release.assets:
        assert f"`{asset.sha256}`" in release.body
        if asset.name != SBOM:
            # The link to the file on the index, as the index lists it.
            assert f"[`{asset.name}`]({pypiserver.url}packages/{asset.name})" in release.body
    assert f"On the index: {pypiserver.simple_url}py-release-sample/" in release.body
    page = f"{api.server.url}/{REPOSITORY}/releases/tag/v1.0.0"
    assert run.outputs["release-url"] == page
    assert f"| GitHub Release | {page} |" in run.summary
    assert "| github-release | ✅ done | created" in run.summary
    # GITHUB_API_URL is where everything went, the upload URL the API handed out included.
    assert api.server.requests
    assert all(path.startswith("/api/") for _, path in api.server.requests)
    assert api.asset_uploads() == 3  # the two files and the SBOM


def test_a_rerun_adds_nothing_twice(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    assert publish(pypiserver, api, packages_dir, tmp_path).returncode == 0
    before = {(a.id, a.name, a.sha256) for a in api.release("v1.0.0").assets}
    requests_before = len(api.server.requests)

    rerun = publish(pypiserver, api, packages_dir, tmp_path)

    assert rerun.returncode == 0, rerun.log
    assert {(a.id, a.name, a.sha256) for a in api.release("v1.0.0").assets} == before
    assert len(api.server.releases) == 1
    after = api.server.requests[requests_before:]
    assert [m for m, _ in after if m != "GET"] == []  # no upload, no create, no update
    for name in SAMPLE_FILES:
        assert f"{name}: already on the release with the same sha256, skipped" in rerun.stdout
    # The SBOM too: the same files make the same SBOM, byte for byte.
    assert f"{SBOM}: already on the release with the same sha256, skipped" in rerun.stdout
    assert "0 assets uploaded, 3 already there" in rerun.summary

    # Nothing left to write: a token that can only read is enough.
    read_only = publish(pypiserver, api, packages_dir, tmp_path, token=api.read_only)
    assert read_only.returncode == 0, read_only.log
    assert "the release of v1.0.0 is complete; nothing to change" in read_only.stdout


def test_a_pre_release_is_marked(pypiserver: PypiServer, api: Api, tmp_path: Path) -> None:
    project = copy_sample(tmp_path, version="1.0.0rc1")

    run = publish(
        pypiserver, api, tmp_path / "out", tmp_path, "--project-dir", str(project),
        tag="v1.0.0rc1",
    )  # fmt: skip

    assert run.returncode == 0, run.log
    release = api.release("v1.0.0rc1")
    assert release.prerelease
    assert not release.draft
    assert {a.name for a in release.assets} == {
        "py_release_sample-1.0.0rc1.tar.gz",
        "py_release_sample-1.0.0rc1-py3-none-any.whl",
        "py_release_sample-1.0.0rc1.cdx.json",
    }
    assert "(published, pre-release)" in run.stdout


def test_a_draft_stays_a_draft_on_a_rerun_and_is_published_when_asked(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    draft = publish(pypiserver, api, packages_dir, tmp_path, mode="draft")

    assert draft.returncode == 0, draft.log
    release = api.release("v1.0.0")
    assert release.draft
    assert (
        draft.outputs["release-url"]
        == f"{api.server.url}/{REPOSITORY}/releases/untagged-{release.id}"
    )

    # A draft is not found by its tag; the rerun must still find it, not make a second one.
    again = publish(pypiserver, api, packages_dir, tmp_path, mode="draft")
    assert again.returncode == 0, again.log
    assert len(api.server.releases) == 1
    assert api.asset_uploads() == 3

    published = publish(pypiserver, api, packages_dir, tmp_path, mode="true")
    assert published.returncode == 0, published.log
    assert len(api.server.releases) == 1
    assert not api.release("v1.0.0").draft
    assert api.asset_uploads() == 3
    assert published.outputs["release-url"].endswith("/releases/tag/v1.0.0")


def test_a_read_only_token_fails_with_the_contents_write_hint(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, api, packages_dir, tmp_path, token=api.read_only)

    assert run.returncode == 1
    assert "Resource not accessible by integration" in run.stderr
    assert "add `permissions: contents: write` to the job" in run.stderr
    assert "Traceback" not in run.log
    assert api.server.releases == []
    assert {p.name for p in pypiserver.packages.iterdir()} == SAMPLE_FILES
    assert "| github-release | ❌ failed |" in run.summary
    assert run.outputs["release-url"] == ""


def test_a_token_github_does_not_know_fails_with_a_hint(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    stranger = register_secret(f"ghs_{secrets.token_urlsafe(24)}")

    run = publish(pypiserver, api, packages_dir, tmp_path, token=stranger)

    assert run.returncode == 1
    assert "GitHub answered 401 Bad credentials" in run.stderr
    assert "GitHub does not accept github-token" in run.stderr
    assert "Traceback" not in run.log


def test_an_asset_of_the_same_name_with_other_contents_is_refused(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    wheel = "py_release_sample-1.0.0-py3-none-any.whl"
    headers = {"Authorization": f"token {api.token}"}
    made = requests.post(
        f"{api.server.api_url}/repos/{REPOSITORY}/releases",
        json={"tag_name": "v1.0.0", "name": "v1.0.0", "body": "Hand-written notes."},
        headers=headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    upload_url = made.json()["upload_url"].split("{")[0]
    other = requests.post(
        upload_url,
        params={"name": wheel},
        data=b"not the wheel",
        headers={**headers, "Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert other.status_code == 201, other.text

    run = publish(pypiserver, api, packages_dir, tmp_path)

    assert run.returncode == 1
    assert "already has assets of these names with other contents" in run.stderr
    assert f"{wheel} (GitHub's digest is sha256:{sha256(b'not the wheel')})" in run.stderr
    assert "never replaced" in run.stderr
    release = api.release("v1.0.0")
    assert [(a.name, a.data) for a in release.assets] == [(wheel, b"not the wheel")]
    assert release.body == "Hand-written notes."  # nothing changed before the refusal


def test_not_on_a_tag_the_release_is_skipped_with_a_note(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, api, packages_dir, tmp_path, tag=None)

    assert run.returncode == 0, run.log
    assert "github-release needs a tag; skipped (this run is for refs/heads/main)" in run.stdout
    assert "::warning" not in run.stdout
    assert api.server.requests == []
    assert run.outputs["release-url"] == ""


def test_a_dry_run_says_what_it_would_do_and_calls_nothing(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, api, packages_dir, tmp_path, "--dry-run", "true")

    assert run.returncode == 0, run.log
    assert (
        f"dry run: would create or complete the GitHub release of v1.0.0 in {REPOSITORY} with "
        "3 assets (GitHub's API was not called)"
    ) in run.stdout
    assert api.server.requests == []


def test_without_digests_a_rerun_trusts_the_sha256_its_body_recorded(
    packages_dir: Path, tmp_path: Path
) -> None:
    """GitHub Enterprise Server without asset digests: size plus the recorded sha256."""
    dists = [DistFile(p) for p in sorted(packages_dir.iterdir())]
    with GitHubApi(digests=False) as server:
        api = Api(server)
        assets = local_assets(dists, [], file_links={}, provenance_links={})
        request = ReleaseRequest(
            server.api_url, REPOSITORY, "v1.0.0", draft=False, prerelease=False,
            section=body_section("py-release-sample", "1.0.0", "", assets), assets=assets,
        )  # fmt: skip
        first = publish_release(request, Secret(api.token), log=lambda _: None)
        assert len(first.uploaded) == 2
        second = publish_release(request, Secret(api.token), log=lambda _: None)
        assert (second.uploaded, sorted(second.same)) == ((), sorted(a.name for a in assets))
        assert "digest" not in json.dumps(
            requests.get(
                f"{server.api_url}/repos/{REPOSITORY}/releases/tags/v1.0.0",
                headers={"Authorization": f"Bearer {api.token}"},
                timeout=10,
            ).json()["assets"]
        )


IDENTITY = JobIdentity(repository=REPOSITORY, ref="refs/tags/v1.0.0")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(IDENTITY, "py-release-sample") as running:
        register_secret(running.issuer.request_token.reveal())
        yield running


def test_trusted_publishing_release_carries_the_attestations(
    sandbox: Sandbox, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    assert sandbox.sigstore is not None
    env = {
        **github_env(api, "v1.0.0"),
        "GITHUB_WORKFLOW_REF": f"{REPOSITORY}/.github/workflows/release.yml@{IDENTITY.ref}",
        **sandbox.issuer.env(),
    }
    run = run_cli(
        ["publish", "--repository-url", sandbox.warehouse.upload_url,
         "--packages-dir", str(packages_dir), "--github-release", "true",
         "--sigstore-trust-config", str(sandbox.sigstore.trust_config_path)],
        tmp_path,
        env,
    )  # fmt: skip
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))

    assert run.returncode == 0, run.log
    release = api.release("v1.0.0")
    names = {a.name for a in release.assets}
    assert names == SAMPLE_FILES | {SBOM} | {f"{n}.publish.attestation" for n in SAMPLE_FILES}
    for asset in release.assets:
        assert asset.data == (packages_dir / asset.name).read_bytes()
        assert f"`{asset.sha256}`" in release.body
    for name in SAMPLE_FILES:
        provenance = f"{sandbox.warehouse.url}/integrity/py-release-sample/1.0.0/{name}/provenance"
        assert f"[`{name}.publish.attestation`]({provenance})" in release.body


def test_an_api_url_nobody_answers_fails_with_a_hint(packages_dir: Path) -> None:
    assets = local_assets(
        [DistFile(p) for p in packages_dir.iterdir()], [], file_links={}, provenance_links={}
    )
    request = ReleaseRequest(
        "http://127.0.0.1:9/api/v3", REPOSITORY, "v1.0.0", draft=False, prerelease=False,
        section="", assets=assets,
    )  # fmt: skip

    with pytest.raises(GitHubReleaseError) as raised:
        publish_release(request, Secret("ghs_not_sent_anywhere"), log=lambda _: None)

    assert raised.value.message == (
        "cannot reach GitHub's API at http://127.0.0.1:9/api/v3 while reading the repository "
        f"{REPOSITORY}: ConnectionError"
    )
    assert "check GITHUB_API_URL" in raised.value.hint


def test_a_release_run_without_a_token_stops_before_anything_is_uploaded(
    pypiserver: PypiServer, api: Api, packages_dir: Path, tmp_path: Path
) -> None:
    env = {"INPUT_PASSWORD": pypiserver.password.reveal(), **github_env(api, "v1.0.0")}
    env["INPUT_GITHUB-TOKEN"] = ""
    run = run_cli(
        ["publish", "--repository-url", pypiserver.url, "--user", pypiserver.user,
         "--packages-dir", str(packages_dir), "--attestations", "false",
         "--github-release", "true"],
        tmp_path,
        env,
    )  # fmt: skip

    assert run.returncode == 1, run.log
    assert "there is no token to talk to GitHub with" in run.log
    assert "set GITHUB_TOKEN" in run.log
    assert list(pypiserver.packages.iterdir()) == []
    assert api.server.requests == []
