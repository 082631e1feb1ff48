"""The warehouse stand-in and PEP 740: attestations signed for real through the local Sigstore,
uploaded with twine, verified at upload as warehouse verifies them (against the publisher that
minted the upload's token), refused with warehouse's messages, and served back as provenance."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import requests
from pypi_attestations import Attestation, Distribution, GitHubPublisher, Provenance
from sigstore.dsse import DigestSet, StatementBuilder, Subject
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext
from twine.package import PackageFile
from twine.repository import Repository

from py_release.attest.verify import verify_attestation
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.session import start_sandbox
from py_release.sandbox.sigstore import LocalSigstore
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from tests.secrets_registry import register_sandbox_tokens, register_secret
from tests.unit.artefacts import NAME, make_wheel

IDENTITY = JobIdentity()
PUBLISHER = TrustedPublisher(
    project=NAME,
    repository=IDENTITY.repository,
    repository_owner_id=IDENTITY.repository_owner_id,
    workflow_file=IDENTITY.workflow_file,
    environment="pypi",
)
INVALID = "Invalid attestations supplied during upload: "
NOT_VERIFIED = (
    INVALID + "Could not verify the uploaded artifact using the included attestation: "
    "Verification failed: "
)
PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"


@pytest.fixture(scope="module")
def sigstore(shared_issuer: GitHubIssuer) -> Iterator[LocalSigstore]:
    with LocalSigstore(issuer=shared_issuer) as running:
        yield running


@pytest.fixture
def warehouse(issuer: GitHubIssuer, sigstore: LocalSigstore, tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(
        issuer=issuer, root=tmp_path / "warehouse", trusted_root=sigstore.trusted_root
    ) as running:
        running.add_publisher(PUBLISHER)
        yield running
        for minted in running.minted:
            register_secret(minted.reveal())


@pytest.fixture(scope="module")
def attestations(
    dists: tuple[Path, Path],
    sigstore: LocalSigstore,
    shared_issuer: GitHubIssuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    """``<dist>.publish.attestation`` for each of ``dists``, signed by the publisher's job."""
    folder = tmp_path_factory.mktemp("attestations")
    sdist, wheel = dists
    return (
        attest(sigstore, shared_issuer.mint("sigstore"), sdist, folder),
        attest(sigstore, shared_issuer.mint("sigstore"), wheel, folder),
    )


# -- helpers -----------------------------------------------------------------------------------


def signing_context(sigstore: LocalSigstore) -> SigningContext:
    trust_config = ClientTrustConfig.from_json(sigstore.trust_config_path.read_text())
    trust_config.force_tlog_version = 1
    return SigningContext.from_trust_config(trust_config)


def attest(sigstore: LocalSigstore, token: str, dist: Path, folder: Path) -> Path:
    """Sign ``dist`` as the job ``token`` (for audience sigstore) speaks for, and write the
    attestation where twine looks for it."""
    with signing_context(sigstore).signer(IdentityToken(token)) as signer:
        attestation = Attestation.sign(signer, Distribution.from_file(dist))
    path = folder / f"{dist.name}.publish.attestation"
    path.write_text(attestation.model_dump_json())
    return path


def job_token(issuer: GitHubIssuer, repository: str, workflow_file: str) -> str:
    """An ID token for audience sigstore from a job of ``repository`` running ``workflow_file``."""
    ref = f"{repository}/.github/workflows/{workflow_file}@{IDENTITY.ref}"
    return issuer.mint("sigstore", repository=repository, job_workflow_ref=ref, workflow_ref=ref)


def index_token(warehouse: Warehouse, issuer: GitHubIssuer) -> str:
    answer = requests.post(
        f"{warehouse.url}/_/oidc/mint-token", json={"token": issuer.mint("pypi")}, timeout=10
    ).json()
    token: str = answer["token"]
    return token


def upload(
    warehouse: Warehouse, issuer: GitHubIssuer, dist: Path, *attestation_files: Path
) -> requests.Response:
    """twine's upload of ``dist`` with its attestations, through Trusted Publishing."""
    repository = Repository(
        warehouse.upload_url, "__token__", index_token(warehouse, issuer),
        disable_progress_bar=True,
    )  # fmt: skip
    package = PackageFile.from_filename(str(dist), comment=None)
    if attestation_files:
        package.add_attestations([str(path) for path in attestation_files])
    try:
        with redirect_stdout(io.StringIO()):  # twine announces each upload on stdout
            return repository.upload(package)
    finally:
        repository.close()


def upload_raw(
    warehouse: Warehouse, issuer: GitHubIssuer, dist: Path, attestations_field: str
) -> requests.Response:
    """The form twine sends for ``dist``, with ``attestations_field`` as it is."""
    metadata = PackageFile.from_filename(str(dist), comment=None).metadata_dictionary()
    fields = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        *Repository._convert_metadata_to_list_of_tuples(metadata),
        ("attestations", attestations_field),
    ]
    return requests.post(
        warehouse.upload_url,
        data=fields,
        files={"content": (dist.name, dist.read_bytes(), "application/octet-stream")},
        auth=("__token__", index_token(warehouse, issuer)),
        timeout=30,
    )


def provenance_url(warehouse: Warehouse, dist: Path) -> str:
    return f"{warehouse.url}/integrity/{NAME}/1.0.0/{dist.name}/provenance"


def refusal(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.reason


# -- accepted ----------------------------------------------------------------------------------


def test_a_verified_attestation_is_kept_and_served_as_provenance(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    sigstore: LocalSigstore,
    dists: tuple[Path, Path],
    attestations: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    wheel = dists[1]
    response = upload(warehouse, issuer, wheel, attestations[1])
    assert response.status_code == 200, response.reason

    served = requests.get(provenance_url(warehouse, wheel), timeout=10)
    assert served.status_code == 200
    provenance = Provenance.model_validate_json(served.content)
    (bundle,) = provenance.attestation_bundles
    assert bundle.publisher == GitHubPublisher(
        repository=IDENTITY.repository, workflow="release.yml", environment="pypi"
    )
    (attestation,) = bundle.attestations
    assert attestation == Attestation.model_validate_json(attestations[1].read_text())
    # What a user does later: verify the served attestation against the file the index serves.
    downloaded = tmp_path / wheel.name
    downloaded.write_bytes(requests.get(f"{warehouse.url}/files/{wheel.name}", timeout=10).content)
    verify_attestation(
        attestation,
        GitHubPublisher(repository=IDENTITY.repository, workflow="release.yml"),
        Distribution.from_file(downloaded),
        trusted_root=sigstore.trusted_root,
    )


def test_both_files_upload_with_attestations_and_the_simple_api_links_their_provenance(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    dists: tuple[Path, Path],
    attestations: tuple[Path, Path],
) -> None:
    for dist, attestation in zip(dists, attestations, strict=True):
        assert upload(warehouse, issuer, dist, attestation).status_code == 200

    page = requests.get(
        f"{warehouse.url}/simple/{NAME}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    ).json()
    assert {f["filename"]: f["provenance"] for f in page["files"]} == {
        dist.name: provenance_url(warehouse, dist) for dist in dists
    }
    html = requests.get(f"{warehouse.url}/simple/{NAME}/", timeout=10).text
    assert f'data-provenance="{provenance_url(warehouse, dists[0])}"' in html


def test_a_file_without_attestations_has_no_provenance(
    warehouse: Warehouse, issuer: GitHubIssuer, dists: tuple[Path, Path]
) -> None:
    assert upload(warehouse, issuer, dists[1]).status_code == 200

    none = requests.get(provenance_url(warehouse, dists[1]), timeout=10)
    unknown = requests.get(
        f"{warehouse.url}/integrity/{NAME}/1.0.0/nope.whl/provenance", timeout=10
    )

    assert (none.status_code, none.json()) == (
        404,
        {"message": f"No provenance available for {dists[1].name}"},
    )
    assert unknown.status_code == 404
    page = requests.get(
        f"{warehouse.url}/simple/{NAME}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    ).json()
    assert [f["provenance"] for f in page["files"]] == [None]


def test_the_same_file_again_is_a_no_op_and_its_attestations_are_not_read(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    dists: tuple[Path, Path],
    attestations: tuple[Path, Path],
) -> None:
    wheel = dists[1]
    assert upload(warehouse, issuer, wheel, attestations[1]).status_code == 200
    before = requests.get(provenance_url(warehouse, wheel), timeout=10).json()

    again = upload_raw(warehouse, issuer, wheel, "not even JSON")

    assert again.status_code == 200
    assert requests.get(provenance_url(warehouse, wheel), timeout=10).json() == before


# -- refused -----------------------------------------------------------------------------------


def test_an_attestation_for_other_content_is_refused(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    sigstore: LocalSigstore,
    dists: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    # A wheel with the same name but other content: the attestation's subject digest differs.
    other = make_wheel(tmp_path, files={"py_release_sample/__init__.py": b"EVIL = True\n"})
    assert other.name == dists[1].name
    signed_for_other = attest(sigstore, issuer.mint("sigstore"), other, tmp_path)

    response = upload(warehouse, issuer, dists[1], signed_for_other)

    assert refusal(response) == (400, NOT_VERIFIED + "subject does not match distribution digest")
    assert warehouse.files(NAME) == {}


@pytest.mark.parametrize(
    ("repository", "workflow_file", "reason"),
    [
        pytest.param(
            "octo-org/elsewhere",
            "release.yml",
            "Certificate's OIDCSourceRepositoryURI does not match (got "
            "https://github.com/octo-org/elsewhere, expected "
            f"https://github.com/{IDENTITY.repository})",
            id="another-repository",
        ),
        pytest.param(
            IDENTITY.repository,
            "other.yml",
            "Certificate's Build Config URI",
            id="another-workflow",
        ),
    ],
)
def test_an_attestation_signed_by_another_job_is_refused(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    sigstore: LocalSigstore,
    dists: tuple[Path, Path],
    tmp_path: Path,
    repository: str,
    workflow_file: str,
    reason: str,
) -> None:
    foreign = attest(sigstore, job_token(issuer, repository, workflow_file), dists[1], tmp_path)

    response = upload(warehouse, issuer, dists[1], foreign)

    status, message = refusal(response)
    assert status == 400
    assert message.startswith(NOT_VERIFIED + reason), message
    assert warehouse.files(NAME) == {}


def test_an_attestation_of_an_unknown_predicate_type_is_refused(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    sigstore: LocalSigstore,
    dists: tuple[Path, Path],
) -> None:
    wheel = Distribution.from_file(dists[1])
    statement = (
        StatementBuilder()
        .subjects([Subject(name=wheel.name, digest=DigestSet(root={"sha256": wheel.digest}))])
        .predicate_type("https://example.com/not-a-pypi-predicate/v1")
        .build()
    )
    token = IdentityToken(issuer.mint("sigstore"))
    with signing_context(sigstore).signer(token) as signer:
        attestation = Attestation.from_bundle(signer.sign_dsse(statement))

    response = upload_raw(warehouse, issuer, dists[1], f"[{attestation.model_dump_json()}]")

    assert refusal(response) == (
        400,
        NOT_VERIFIED + "unknown attestation type: https://example.com/not-a-pypi-predicate/v1",
    )


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        pytest.param("not JSON", "Malformed attestations: ", id="not-json"),
        pytest.param('[{"version": 1}]', "Malformed attestations: ", id="not-an-attestation"),
        pytest.param('{"version": 1}', "Malformed attestations: ", id="not-a-list"),
        pytest.param(
            "[]", "Malformed attestations: an empty attestation set is not permitted", id="empty"
        ),
        pytest.param("3", "A maximum of 2 attestations per file are supported", id="three"),
        pytest.param(
            "2",
            "Multiple attestations for the same file with the same predicate type "
            f"({PUBLISH_V1}) are not supported",
            id="same-predicate-twice",
        ),
    ],
)
def test_a_malformed_or_excessive_attestation_set_is_refused(
    warehouse: Warehouse,
    issuer: GitHubIssuer,
    dists: tuple[Path, Path],
    attestations: tuple[Path, Path],
    field: str,
    reason: str,
) -> None:
    if field in ("2", "3"):  # that many copies of a valid attestation
        one = json.loads(attestations[1].read_text())
        field = json.dumps([one] * int(field))

    response = upload_raw(warehouse, issuer, dists[1], field)

    status, message = refusal(response)
    assert status == 400
    assert message.startswith(INVALID + reason), message
    assert warehouse.files(NAME) == {}


def test_without_a_trusted_root_attestations_are_refused_as_before(
    issuer: GitHubIssuer, dists: tuple[Path, Path], attestations: tuple[Path, Path]
) -> None:
    with Warehouse(issuer=issuer) as unverifying:
        unverifying.add_publisher(PUBLISHER)
        response = upload(unverifying, issuer, dists[1], attestations[1])
        for minted in unverifying.minted:
            register_secret(minted.reveal())

    assert refusal(response) == (
        400,
        INVALID + "this stand-in does not verify attestations yet",
    )


# -- the sandbox as a whole --------------------------------------------------------------------


def test_the_sandbox_runs_a_sigstore_its_warehouse_trusts(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    with start_sandbox(IDENTITY, NAME) as sandbox:
        assert sandbox.sigstore is not None
        register_secret(sandbox.issuer.request_token.reveal())
        env = sandbox.act_env()
        assert env["PY_RELEASE_SANDBOX_TRUST_CONFIG"] == str(sandbox.sigstore.trust_config_path)
        assert sandbox.sigstore.trust_config_path.is_file()

        token = sandbox.issuer.mint("sigstore")
        signed = attest(sandbox.sigstore, token, dists[1], tmp_path)
        response = upload(sandbox.warehouse, sandbox.issuer, dists[1], signed)
        register_sandbox_tokens(sandbox)

    assert response.status_code == 200, response.reason
