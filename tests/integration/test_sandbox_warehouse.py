"""The sandbox's warehouse: each Trusted Publishing check and each upload rule, made for real
over HTTP, with real clients (twine's Repository and PackageFile for uploads, pypi_simple and
pip for reading back)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from pypi_simple import ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY, PyPISimple
from twine.package import PackageFile
from twine.repository import Repository

from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from tests.secrets_registry import register_secret
from tests.unit.artefacts import NAME, make_sdist, make_wheel, metadata_text

IDENTITY = JobIdentity()
PUBLISHER = TrustedPublisher(
    project=NAME,
    repository=IDENTITY.repository,
    repository_owner_id=IDENTITY.repository_owner_id,
    workflow_file=IDENTITY.workflow_file,
    environment="pypi",
)
SDIST = "py_release_sample-1.0.0.tar.gz"
WHEEL = "py_release_sample-1.0.0-py3-none-any.whl"


class Clock:
    """Real time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def warehouse(issuer: GitHubIssuer, clock: Clock, tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(issuer=issuer, root=tmp_path / "warehouse", clock=clock) as running:
        running.add_publisher(PUBLISHER)
        yield running
        for minted in running.minted:
            register_secret(minted.reveal())


# -- helpers -----------------------------------------------------------------------------------


def exchange(warehouse: Warehouse, token: str, route: str = "/_/oidc/mint-token") -> Any:
    """POST the ID token for an index token; the decoded answer (with its status)."""
    response = requests.post(f"{warehouse.url}{route}", json={"token": token}, timeout=10)
    answer = response.json()
    answer["status"] = response.status_code
    return answer


def refused(warehouse: Warehouse, token: str) -> tuple[str, str]:
    """The one error warehouse gives for ``token``, as (code, description)."""
    answer = exchange(warehouse, token)
    assert answer["status"] == 422, answer
    assert answer["message"] == "Token request failed"
    (error,) = answer["errors"]
    return error["code"], error["description"]


def minted(warehouse: Warehouse, issuer: GitHubIssuer) -> str:
    answer = exchange(warehouse, issuer.mint("pypi"))
    assert answer["status"] == 200, answer
    token: str = answer["token"]
    return token


def no_publisher(reason: str) -> tuple[str, str]:
    return "invalid-publisher", f"valid token, but no corresponding publisher ({reason})"


NOT_FOUND = no_publisher("Publisher with matching claims was not found")


def twine_upload(warehouse: Warehouse, dist: Path, token: str) -> requests.Response:
    repository = Repository(warehouse.upload_url, "__token__", token, disable_progress_bar=True)
    try:
        with redirect_stdout(io.StringIO()):  # twine announces each upload on stdout
            return repository.upload(PackageFile.from_filename(str(dist), comment=None))
    finally:
        repository.close()


def twine_fields(dist: Path) -> list[tuple[str, str]]:
    """The form fields twine sends for ``dist``, besides the file."""
    metadata = PackageFile.from_filename(str(dist), comment=None).metadata_dictionary()
    fields = Repository._convert_metadata_to_list_of_tuples(metadata)
    return [(":action", "file_upload"), ("protocol_version", "1"), *fields]


def raw_upload(
    warehouse: Warehouse,
    dist: Path,
    token: str | None,
    *,
    fields: list[tuple[str, str]] | None = None,
    content: bytes | None = None,
    filename: str | None = None,
) -> requests.Response:
    """An upload with the form twine would send, or the given ``fields``."""
    files = {
        "content": (filename or dist.name, content or dist.read_bytes(), "application/octet-stream")
    }
    return requests.post(
        warehouse.upload_url,
        data=twine_fields(dist) if fields is None else fields,
        files=files,
        auth=("__token__", token) if token is not None else None,
        allow_redirects=False,
        timeout=10,
    )


def replaced(fields: list[tuple[str, str]], **values: str | None) -> list[tuple[str, str]]:
    """``fields`` with each named field set to a value, or left out for None."""
    kept = [(k, v) for k, v in fields if k not in values]
    return kept + [(k, v) for k, v in values.items() if v is not None]


# -- the exchange ------------------------------------------------------------------------------


def test_audience(warehouse: Warehouse) -> None:
    response = requests.get(f"{warehouse.url}/_/oidc/audience", timeout=5)
    assert (response.status_code, response.json()) == (200, {"audience": "pypi"})


def test_a_valid_token_is_exchanged_for_a_short_lived_index_token(
    warehouse: Warehouse, issuer: GitHubIssuer, clock: Clock
) -> None:
    clock.advance(100)
    answer = exchange(warehouse, issuer.mint("pypi"))

    assert answer["status"] == 200
    assert answer["success"] is True
    assert answer["token"].startswith("pypi-")
    assert answer["expires"] == int(clock()) + 900
    assert [secret.reveal() for secret in warehouse.minted] == [answer["token"]]


def test_the_legacy_github_route_exchanges_too(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    answer = exchange(warehouse, issuer.mint("pypi"), "/_/oidc/github/mint-token")
    assert answer["status"] == 200


def test_without_trusted_publishing_audience_is_403_and_mint_not_enabled(
    issuer: GitHubIssuer,
) -> None:
    with Warehouse(issuer=issuer, trusted_publishing=False) as disabled:
        audience = requests.get(f"{disabled.url}/_/oidc/audience", timeout=5)
        assert audience.status_code == 403
        assert audience.json() == {"message": "Trusted publishing functionality not enabled"}
        assert refused(disabled, issuer.mint("pypi")) == (
            "not-enabled",
            "github trusted publishing functionality not enabled",
        )


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"tok": "x"}', b'{"token": 1}', b'{"token": null}']
)
def test_a_bad_payload_is_invalid_payload(warehouse: Warehouse, body: bytes) -> None:
    response = requests.post(f"{warehouse.url}/_/oidc/mint-token", data=body, timeout=5)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid-payload"


def test_a_malformed_jwt_is_invalid_payload(warehouse: Warehouse) -> None:
    assert refused(warehouse, "not.a.jwt") == ("invalid-payload", "malformed JWT")


def test_a_token_without_iss_is_malformed(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    assert refused(warehouse, issuer.mint("pypi", iss=None)) == ("invalid-payload", "malformed JWT")


def test_another_issuer_is_unknown(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    token = issuer.mint("pypi", iss="https://gitlab.example.com")
    assert refused(warehouse, token) == ("invalid-payload", "unknown trusted publishing issuer")


def test_a_kid_not_in_the_jwks_is_invalid_token(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    token = issuer.mint("pypi", headers={"kid": "0123456789ABCDEF"})
    assert refused(warehouse, token) == ("invalid-token", "malformed or invalid token")


def test_a_token_from_another_issuer_with_githubs_iss_is_invalid_token(
    warehouse: Warehouse,
) -> None:
    with GitHubIssuer() as impostor:
        token = impostor.mint("pypi")
    register_secret(token)
    assert refused(warehouse, token)[0] == "invalid-token"


def test_a_signature_by_another_key_is_invalid_token(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = issuer.mint("pypi", key=other_key)  # the header still names the issuer's kid
    assert refused(warehouse, token)[0] == "invalid-token"


def test_an_unsigned_token_is_invalid_token(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    header, payload, _ = issuer.mint("pypi").split(".")
    assert refused(warehouse, f"{header}.{payload}.")[0] == "invalid-token"


@pytest.mark.parametrize("audience", ["testpypi", "sigstore", ["pypi"], ["pypi", "other"]])
def test_another_audience_is_invalid_token(
    warehouse: Warehouse, issuer: GitHubIssuer, audience: object
) -> None:
    token = issuer.mint("pypi", aud=audience)
    assert refused(warehouse, token)[0] == "invalid-token"


def test_a_token_expired_beyond_the_leeway_is_invalid_token(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    now = int(time.time())
    token = issuer.mint("pypi", issued_at=now - 400, lifetime=300)  # exp 100 s ago
    assert refused(warehouse, token)[0] == "invalid-token"


def test_a_token_expired_within_the_30_s_leeway_is_accepted(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    now = int(time.time())
    token = issuer.mint("pypi", issued_at=now - 320, lifetime=300)  # exp 20 s ago
    assert exchange(warehouse, token)["status"] == 200


def test_the_warehouse_clock_decides_expiry(
    warehouse: Warehouse, issuer: GitHubIssuer, clock: Clock
) -> None:
    token = issuer.mint("pypi")  # valid for 300 s by the issuer's clock
    clock.advance(331)
    assert refused(warehouse, token)[0] == "invalid-token"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_not_yet_valid_is_invalid_token(
    warehouse: Warehouse, issuer: GitHubIssuer, claim: str
) -> None:
    future: dict[str, Any] = {claim: int(time.time()) + 120}
    token = issuer.mint("pypi", **future)
    assert refused(warehouse, token)[0] == "invalid-token"


@pytest.mark.parametrize("claim", ["aud", "exp", "iat"])
def test_a_token_without_a_registered_claim_is_invalid_token(
    warehouse: Warehouse, issuer: GitHubIssuer, claim: str
) -> None:
    assert refused(warehouse, issuer.mint("pypi", **{claim: None}))[0] == "invalid-token"


@pytest.mark.parametrize(
    "claim",
    ["repository", "repository_owner", "repository_owner_id", "job_workflow_ref", "jti",
     "event_name", "ref", "sha"],
)  # fmt: skip
def test_a_missing_required_claim_is_named(
    warehouse: Warehouse, issuer: GitHubIssuer, claim: str
) -> None:
    token = issuer.mint("pypi", **{claim: None})
    assert refused(warehouse, token) == no_publisher(f"Missing claim '{claim}'")


@pytest.mark.parametrize(
    "identity",
    [
        JobIdentity(repository="octo-org/other-project"),
        JobIdentity(repository="evil-org/sample-project"),
        JobIdentity(repository_owner_id="100002"),
        JobIdentity(workflow_file="other.yml"),
        JobIdentity(environment="testpypi"),
        JobIdentity(environment=None),
    ],
    ids=["repository", "owner", "owner-id", "workflow-file", "environment", "no-environment"],
)
def test_a_job_the_publisher_does_not_name_has_no_publisher(
    warehouse: Warehouse, issuer: GitHubIssuer, identity: JobIdentity
) -> None:
    issuer.identity = identity
    assert refused(warehouse, issuer.mint("pypi")) == NOT_FOUND


def test_an_owner_id_that_is_no_string_has_no_publisher(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    assert refused(warehouse, issuer.mint("pypi", repository_owner_id=100001)) == NOT_FOUND


def test_a_repository_owner_that_differs_from_the_repository_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    token = issuer.mint("pypi", repository_owner="Octo-Org")
    assert refused(warehouse, token) == no_publisher(
        "Check failed for required claim 'repository_owner'"
    )


def test_the_environment_is_compared_ignoring_case(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    issuer.identity = JobIdentity(environment="PyPI")
    assert exchange(warehouse, issuer.mint("pypi"))["status"] == 200


@pytest.mark.parametrize("environment", ["staging", None])
def test_a_publisher_without_environment_accepts_any(
    issuer: GitHubIssuer, environment: str | None
) -> None:
    with Warehouse(issuer=issuer) as index:
        index.add_publisher(
            TrustedPublisher(NAME, IDENTITY.repository, IDENTITY.repository_owner_id, "release.yml")
        )
        issuer.identity = JobIdentity(environment=environment)
        assert exchange(index, issuer.mint("pypi"))["status"] == 200


def test_a_workflow_started_by_pull_request_target_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    issuer.identity = JobIdentity(event_name="pull_request_target")
    assert refused(warehouse, issuer.mint("pypi")) == no_publisher(
        "Publishing from a workflow invoked via 'pull_request_target' is not supported."
    )


def test_a_reusable_workflow_in_another_repository_does_not_match(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    called = "octo-org/shared-workflows/.github/workflows/release.yml@refs/heads/main"
    issuer.identity = JobIdentity(job_workflow_ref=called)

    code, description = refused(warehouse, issuer.mint("pypi"))

    assert code == "invalid-publisher"
    assert "The job_workflow_ref claim does not match, expecting one of" in description
    assert called in description


def test_a_job_workflow_ref_at_the_commit_matches(
    warehouse: Warehouse, issuer: GitHubIssuer
) -> None:
    at_sha = f"{IDENTITY.repository}/.github/workflows/release.yml@{IDENTITY.sha}"
    issuer.identity = JobIdentity(job_workflow_ref=at_sha)
    assert exchange(warehouse, issuer.mint("pypi"))["status"] == 200


def test_an_id_token_is_used_once(warehouse: Warehouse, issuer: GitHubIssuer) -> None:
    token = issuer.mint("pypi")
    assert exchange(warehouse, token)["status"] == 200
    assert refused(warehouse, token) == ("invalid-reuse-token", "invalid token: already used")
    assert len(warehouse.minted) == 1


def test_a_pending_publisher_creates_its_project_once(issuer: GitHubIssuer) -> None:
    with Warehouse(issuer=issuer) as index:
        index.add_publisher(
            TrustedPublisher("brand-new", IDENTITY.repository, IDENTITY.repository_owner_id,
                             "release.yml", environment="pypi", pending=True)
        )  # fmt: skip
        assert requests.get(f"{index.simple_url}brand-new/", timeout=5).status_code == 404

        assert exchange(index, issuer.mint("pypi"))["status"] == 200
        assert requests.get(f"{index.simple_url}brand-new/", timeout=5).status_code == 200
        # The publisher is now the project's: the next release mints as usual.
        assert exchange(index, issuer.mint("pypi"))["status"] == 200


def test_a_pending_publisher_for_an_existing_project_is_refused(issuer: GitHubIssuer) -> None:
    with Warehouse(issuer=issuer) as index:
        index.add_project("Taken_Name")
        index.add_publisher(
            TrustedPublisher("taken-name", IDENTITY.repository, IDENTITY.repository_owner_id,
                             "release.yml", pending=True)
        )  # fmt: skip
        assert refused(index, issuer.mint("pypi")) == (
            "invalid-pending-publisher",
            "valid token, but project already exists",
        )


def test_the_publisher_for_the_jobs_environment_is_preferred(
    issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    with Warehouse(issuer=issuer) as index:
        index.add_publisher(TrustedPublisher(NAME, IDENTITY.repository, "100001", "release.yml"))
        index.add_publisher(
            TrustedPublisher("other", IDENTITY.repository, "100001", "release.yml", "pypi")
        )
        token = minted(index, issuer)
        response = raw_upload(index, dists[1], token)
        register_secret(token)
    assert response.status_code == 400
    assert response.reason.startswith("Non-user identities cannot create new projects.")


# -- uploads -----------------------------------------------------------------------------------


def test_twine_uploads_with_the_minted_token(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    token = minted(warehouse, issuer)
    for dist in dists:
        response = twine_upload(warehouse, dist, token)
        assert response.status_code == 200, response.reason
    local = {dist.name: PackageFile.from_filename(str(dist), None).sha2_digest for dist in dists}
    assert warehouse.files(NAME) == local
    assert warehouse.files("PY_RELEASE.sample") == local
    assert warehouse.uploads == [(SDIST, 200), (WHEEL, 200)]
    assert sorted(
        p.name for p in (warehouse.root / "files").iterdir() if p.suffix != ".metadata"
    ) == sorted(local)


@pytest.fixture
def published(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> tuple[Warehouse, str]:
    """The warehouse holding the sample's sdist and wheel, and the token that uploaded them."""
    token = minted(warehouse, issuer)
    for dist in dists:
        assert twine_upload(warehouse, dist, token).status_code == 200
    return warehouse, token


@pytest.mark.parametrize("accept", [ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY], ids=["json", "html"])
def test_the_simple_api_lists_the_files_with_their_sha256(
    published: tuple[Warehouse, str], accept: str
) -> None:
    warehouse, _ = published
    with PyPISimple(warehouse.simple_url, accept=accept) as client:
        page = client.get_project_page("Py_Release.Sample")
        packages = {p.filename: p for p in page.packages}
        assert {name: p.digests["sha256"] for name, p in packages.items()} == warehouse.files(NAME)
        assert packages[WHEEL].version == "1.0.0"
        assert packages[WHEEL].has_metadata is True
        data = requests.get(packages[SDIST].url, timeout=5).content
        assert len(data) > 0
        client.get_project_page(NAME)
        index = client.get_index_page()
        assert index.projects == [NAME]


def test_the_simple_api_speaks_pep_691_and_redirects_to_the_normalised_name(
    published: tuple[Warehouse, str],
) -> None:
    warehouse, _ = published
    json_type = "application/vnd.pypi.simple.v1+json"
    response = requests.get(
        f"{warehouse.simple_url}{NAME}/", headers={"Accept": json_type}, timeout=5
    )
    assert response.headers["Content-Type"] == json_type
    page = response.json()
    assert page["meta"]["api-version"] == "1.1"
    assert page["name"] == NAME
    assert page["versions"] == ["1.0.0"]
    assert {f["filename"] for f in page["files"]} == {SDIST, WHEEL}
    assert all(f["size"] > 0 and f["upload-time"].endswith("Z") for f in page["files"])

    html = requests.get(f"{warehouse.simple_url}{NAME}/", timeout=5)
    assert html.headers["Content-Type"].startswith("text/html")
    assert f'href="../../files/{SDIST}#sha256={warehouse.files(NAME)[SDIST]}"' in html.text

    moved = requests.get(
        f"{warehouse.simple_url}Py_Release.Sample/", allow_redirects=False, timeout=5
    )
    assert (moved.status_code, moved.headers["Location"]) == (301, f"/simple/{NAME}/")
    assert requests.get(f"{warehouse.simple_url}unknown/", timeout=5).status_code == 404


def test_the_json_api_describes_the_release(published: tuple[Warehouse, str]) -> None:
    warehouse, _ = published
    answer = requests.get(f"{warehouse.url}/pypi/{NAME}/json", timeout=5).json()
    assert (answer["info"]["name"], answer["info"]["version"]) == (NAME, "1.0.0")
    digests = {f["filename"]: f["digests"]["sha256"] for f in answer["urls"]}
    assert digests == warehouse.files(NAME)
    by_version = requests.get(f"{warehouse.url}/pypi/{NAME}/1.0/json", timeout=5)
    assert by_version.json()["info"]["version"] == "1.0.0"
    assert requests.get(f"{warehouse.url}/pypi/unknown/json", timeout=5).status_code == 404


def test_pip_installs_from_it(published: tuple[Warehouse, str], tmp_path: Path) -> None:
    warehouse, _ = published
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--isolated", "--no-cache-dir", "--quiet",
         "--disable-pip-version-check", "--target", str(target),
         "--index-url", warehouse.simple_url, NAME],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert (target / "py_release_sample" / "__init__.py").is_file()
    assert (target / "py_release_sample-1.0.0.dist-info").is_dir()


def test_an_identical_re_upload_is_a_silent_no_op(
    published: tuple[Warehouse, str], dists: tuple[Path, Path]
) -> None:
    warehouse, token = published
    before = warehouse.files(NAME)

    response = twine_upload(warehouse, dists[1], token)

    assert response.status_code == 200
    assert warehouse.files(NAME) == before
    assert warehouse.uploads[-1] == (WHEEL, 200)


def test_different_content_under_a_used_name_is_refused(
    published: tuple[Warehouse, str], tmp_path: Path
) -> None:
    warehouse, token = published
    other = make_wheel(tmp_path, files={"py_release_sample/__init__.py": b"VERSION = 2\n"})

    response = twine_upload(warehouse, other, token)

    assert response.status_code == 400
    assert response.reason.startswith(f"File already exists ('{WHEEL}', with blake2_256 hash '")
    assert response.reason.endswith(
        "See https://pypi.org/help/#file-name-reuse for more information."
    )
    assert warehouse.uploads[-1] == (WHEEL, 400)


def test_the_same_content_under_another_name_is_refused(
    published: tuple[Warehouse, str], dists: tuple[Path, Path]
) -> None:
    warehouse, token = published
    renamed = "py_release_sample-1.0.0-py2.py3-none-any.whl"
    response = raw_upload(warehouse, dists[1], token, filename=renamed)
    assert response.status_code == 400
    assert response.reason.startswith(f"File already exists ('{renamed}'")


def test_a_second_sdist_for_a_release_is_refused(
    published: tuple[Warehouse, str], tmp_path: Path
) -> None:
    warehouse, token = published
    zipped = make_sdist(tmp_path, archive_format="zip")
    response = raw_upload(warehouse, zipped, token)
    assert (response.status_code, response.reason) == (
        400,
        "Only one sdist may be uploaded per release.",
    )


def test_an_expired_index_token_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, clock: Clock, dists: tuple[Path, Path]
) -> None:
    token = minted(warehouse, issuer)
    clock.advance(900)

    response = twine_upload(warehouse, dists[1], token)

    assert (response.status_code, response.reason) == (403, "Invalid API Token: token is expired")
    assert warehouse.files(NAME) == {}


def test_a_token_is_only_good_for_its_project(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    warehouse.add_project("other-project")
    token = minted(warehouse, issuer)
    other = make_wheel(tmp_path, name="other-project")

    response = twine_upload(warehouse, other, token)

    assert (response.status_code, response.reason) == (
        403,
        "Invalid API Token: OIDC scoped token is not valid for project 'other-project'",
    )


def test_a_token_cannot_create_another_project(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    token = minted(warehouse, issuer)
    response = twine_upload(warehouse, make_wheel(tmp_path, name="unrelated"), token)
    assert response.status_code == 400
    assert response.reason.startswith("Non-user identities cannot create new projects.")


@pytest.mark.parametrize(
    "authorization", [None, "Basic X190b2tlbl9fOnB5cGktbm90LW1pbnRlZA==", "Bearer pypi-not-minted"]
)
def test_an_upload_without_a_minted_token_is_refused(
    warehouse: Warehouse, dists: tuple[Path, Path], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(
        warehouse.upload_url,
        data=twine_fields(dists[1]),
        files={"content": (WHEEL, dists[1].read_bytes(), "application/octet-stream")},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 403
    assert response.reason == (
        "Invalid or non-existent authentication information. "
        "See https://pypi.org/help/#invalid-auth for more information."
    )
    assert warehouse.uploads == [(WHEEL, 403)]


def test_the_token_may_come_as_a_bearer(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    token = minted(warehouse, issuer)
    response = requests.post(
        warehouse.upload_url,
        data=twine_fields(dists[1]),
        files={"content": (WHEEL, dists[1].read_bytes(), "application/octet-stream")},
        headers={"Authorization": f"token {token}"},
        timeout=10,
    )
    assert response.status_code == 200


def test_a_local_version_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    local = make_wheel(tmp_path, version="1.0.0+build.7")
    response = twine_upload(warehouse, local, minted(warehouse, issuer))
    assert (response.status_code, response.reason) == (
        400,
        "The use of local versions in '1.0.0+build.7' is not allowed. See "
        "https://packaging.python.org/en/latest/specifications/version-specifiers/"
        "#local-version-identifiers for more information.",
    )


def test_an_sdist_name_that_is_not_pep_625_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    sdist = make_sdist(tmp_path, filename="py-release-sample-1.0.0.tar.gz")
    response = twine_upload(warehouse, sdist, minted(warehouse, issuer))
    assert (response.status_code, response.reason) == (
        400,
        "Filename 'py-release-sample-1.0.0.tar.gz' is invalid, should be "
        "'py_release_sample-1.0.0.tar.gz'.",
    )


def test_a_wheel_named_for_another_version_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    # A wheel of 1.0.1 in every name, whose METADATA says 1.0.0.
    wheel = make_wheel(tmp_path, version="1.0.1", metadata=metadata_text(version="1.0.0"))
    response = raw_upload(warehouse, wheel, minted(warehouse, issuer))
    assert (response.status_code, response.reason) == (
        400,
        "Version in filename should be '1.0.0' not '1.0.1'.",
    )


def test_a_wheel_for_an_unsupported_platform_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    wheel = make_wheel(tmp_path, filename="py_release_sample-1.0.0-cp311-cp311-linux_x86_64.whl")
    response = raw_upload(warehouse, wheel, minted(warehouse, issuer))
    assert response.status_code == 400
    assert response.reason.endswith("has an unsupported platform tag 'linux_x86_64'.")


def test_a_digest_mismatch_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    fields = replaced(twine_fields(dists[1]), sha256_digest="0" * 64)
    response = raw_upload(warehouse, dists[1], minted(warehouse, issuer), fields=fields)
    assert (response.status_code, response.reason) == (
        400,
        "The digest supplied does not match a digest calculated from the uploaded file.",
    )
    assert warehouse.files(NAME) == {}


def test_attestations_are_refused_until_they_can_be_verified(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    fields = [*twine_fields(dists[1]), ("attestations", json.dumps([{"version": 1}]))]
    response = raw_upload(warehouse, dists[1], minted(warehouse, issuer), fields=fields)
    assert (response.status_code, response.reason) == (
        400,
        "Invalid attestations supplied during upload: "
        "this stand-in does not verify attestations yet",
    )
    assert warehouse.files(NAME) == {}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"protocol_version": "2"}, "Unknown protocol version."),
        ({"sha256_digest": None, "blake2_256_digest": None},
         "Error: Include at least one message digest."),
        ({"sha256_digest": "xyz"}, "Invalid value for sha256_digest. Error: Use a valid, "
                                   "hex-encoded, SHA256 message digest."),
        ({"filetype": "bdist_egg"}, "Invalid value for filetype. Error: Use a known file type."),
        ({"pyversion": None}, "Invalid value for pyversion. Error: Python version is required "
                              "for binary distribution uploads."),
        ({"name": "-bad-"}, "'-bad-' is an invalid value for Name. Error: Start and end with a "
                            "letter or numeral containing only ASCII numeric and '.', '_' and '-'. "
                            "See https://packaging.python.org/specifications/core-metadata for "
                            "more information."),
        ({"version": "one"}, "'one' is invalid for 'version'. See "
                             "https://packaging.python.org/specifications/core-metadata for more "
                             "information."),
        ({"metadata_version": "3.0"}, "'3.0' is not a valid metadata version. See "
                                      "https://packaging.python.org/specifications/core-metadata "
                                      "for more information."),
        ({"classifiers": "Not :: A :: Classifier"},
         "'Not :: A :: Classifier' is not a valid classifier. See "
         "https://packaging.python.org/specifications/core-metadata for more information."),
    ],
    ids=["protocol", "no-digest", "bad-digest", "filetype", "pyversion", "name", "version",
         "metadata-version", "classifier"],
)  # fmt: skip
def test_a_bad_form_is_refused_with_warehouses_message(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    dists: tuple[Path, Path],
    change: dict[str, str | None],
    reason: str,
) -> None:
    fields = replaced(twine_fields(dists[1]), **change)
    response = raw_upload(warehouse, dists[1], minted(warehouse, issuer), fields=fields)
    assert (response.status_code, response.reason) == (400, reason)


def test_an_upload_without_a_file_is_refused(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    response = requests.post(
        warehouse.upload_url,
        data=twine_fields(dists[1]),
        auth=("__token__", minted(warehouse, issuer)),
        timeout=10,
    )
    assert (response.status_code, response.reason) == (400, "Upload payload does not have a file.")


def test_an_upload_without_the_trailing_slash_is_redirected(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    response = requests.post(
        warehouse.upload_url.rstrip("/"),
        data=twine_fields(dists[1]),
        auth=("__token__", minted(warehouse, issuer)),
        allow_redirects=False,
        timeout=10,
    )
    assert (response.status_code, response.headers["Location"]) == (308, "/legacy/")
    assert "expected upload URL is /legacy/" in response.reason


def test_a_release_older_than_14_days_takes_no_new_files(
    warehouse: Warehouse, issuer: GitHubIssuer, clock: Clock, dists: tuple[Path, Path]
) -> None:
    sdist, wheel = dists
    assert twine_upload(warehouse, sdist, minted(warehouse, issuer)).status_code == 200
    clock.advance(15 * 86_400)
    later = exchange(warehouse, issuer.mint("pypi", issued_at=int(clock())))["token"]

    response = twine_upload(warehouse, wheel, later)

    assert (response.status_code, response.reason) == (
        400,
        "Uploading new files to releases older than 14 days is not allowed.",
    )


@pytest.mark.parametrize(
    ("action", "status"), [(None, 400), ("submit", 410), ("doc_upload", 410), ("remove", 400)]
)
def test_only_file_upload_is_an_action(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    dists: tuple[Path, Path],
    action: str | None,
    status: int,
) -> None:
    fields = replaced(twine_fields(dists[1]), **{":action": action})
    response = raw_upload(warehouse, dists[1], minted(warehouse, issuer), fields=fields)
    assert response.status_code == status
    assert warehouse.files(NAME) == {}
