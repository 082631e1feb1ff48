"""PEP 740 end to end through every stand-in: the real CLI signs with the real sigstore and
pypi-attestations code against the local Sigstore, the warehouse stand-in verifies what is
uploaded, and `py-release verify` checks the release afterwards."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from py_release.config import load_config
from py_release.environment import release_environment
from py_release.errors import ReleaseError, TrustedPublishingError
from py_release.github.context import GitHubContext
from py_release.release import run_release
from py_release.reporter import TerminalReporter
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from py_release.secrets import Secret
from tests.helpers import CliRun, dist_names, run_cli
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret

PROJECT = "py-release-sample"
IDENTITY = JobIdentity(repository="octo-org/sample-project", ref="refs/tags/v1.0.0")
REPOSITORY = IDENTITY.repository
WORKFLOW_REF = f"{REPOSITORY}/.github/workflows/release.yml@{IDENTITY.ref}"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(IDENTITY, PROJECT) as running:
        register_secret(running.issuer.request_token.reveal())
        yield running


def _trust_config(sandbox: Sandbox) -> Path:
    assert sandbox.sigstore is not None
    return sandbox.sigstore.trust_config_path


def release(
    sandbox: Sandbox,
    packages: Path,
    tmp_path: Path,
    *extra: str,
    workflow_ref: str = WORKFLOW_REF,
    trust_config: Path | None = None,
) -> CliRun:
    environ = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": IDENTITY.ref,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_WORKFLOW_REF": workflow_ref,
        **sandbox.issuer.env(),
    }
    run = run_cli(
        ["publish", "--repository-url", sandbox.warehouse.upload_url,
         "--packages-dir", str(packages),
         "--sigstore-trust-config", str(trust_config or _trust_config(sandbox)), *extra],
        tmp_path,
        environ,
    )  # fmt: skip
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))
    return run


def verify(
    sandbox: Sandbox, tmp_path: Path, *targets: str, workflow: str = "release.yml"
) -> CliRun:
    return run_cli(
        ["verify", *targets, "--repository", REPOSITORY, "--workflow", workflow,
         "--repository-url", sandbox.warehouse.upload_url,
         "--sigstore-trust-config", str(_trust_config(sandbox))],
        tmp_path,
        actions=False,
    )  # fmt: skip


def test_release_uploads_verified_attestations_and_verify_accepts_them(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(sandbox, packages_dir, tmp_path)

    assert run.returncode == 0, run.log
    names = sorted(p.name for p in packages_dir.glob("*.publish.attestation"))
    assert names == sorted(f"{name}.publish.attestation" for name in dist_names(packages_dir))
    assert "| sign | ✅ done | 2 attestations signed |" in run.summary
    assert "provenance of 2 files verified against octo-org/sample-project / release.yml" in (
        run.summary
    )
    assert "### Attestations (PEP 740)" in run.summary
    assert f"https://github.com/{WORKFLOW_REF}" in run.summary
    assert sandbox.sigstore is not None
    assert sandbox.sigstore.entries == 2

    published = verify(sandbox, tmp_path, f"{PROJECT}==1.0.0")
    assert published.returncode == 0, published.log
    assert "all 2 files verify against octo-org/sample-project / release.yml" in published.stderr

    local = verify(sandbox, tmp_path, *(str(p) for p in packages_dir.glob("*.whl")))
    assert local.returncode == 0, local.log

    wrong_workflow = verify(sandbox, tmp_path, f"{PROJECT}==1.0.0", workflow="other.yml")
    assert wrong_workflow.returncode == 1
    assert "do not verify against octo-org/sample-project / other.yml" in wrong_workflow.stderr


def test_a_file_changed_after_signing_does_not_verify(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    wheel = next(packages_dir.glob("*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")

    run = verify(sandbox, tmp_path, str(wheel))

    assert run.returncode == 1
    assert "subject does not match distribution digest" in run.stderr
    assert "hint: the files were not published by that repository" in run.stderr


def test_the_public_sigstore_rejects_the_sandbox_attestation(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    wheel = next(packages_dir.glob("*.whl"))

    run = run_cli(
        ["verify", str(wheel), "--repository", REPOSITORY, "--workflow", "release.yml",
         "--offline"],
        tmp_path,
        {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")},
        actions=False,
    )  # fmt: skip

    assert run.returncode == 1, run.log
    assert "FAILED" in run.stderr
    assert "Traceback" not in run.log


def test_an_attestation_from_another_workflow_is_refused_by_the_index(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    # A reusable workflow: PyPI's token exchange matches the called workflow (release.yml), but
    # Fulcio names the calling one (ci.yml) in the certificate, so the index refuses it.
    ci_ref = f"{REPOSITORY}/.github/workflows/ci.yml@{IDENTITY.ref}"
    sandbox.issuer.identity = replace(IDENTITY, workflow_ref=ci_ref)

    run = release(sandbox, packages_dir, tmp_path, workflow_ref=ci_ref)

    assert run.returncode == 1, run.log
    assert "the index refused the attestation" in run.stderr
    assert "Invalid attestations supplied during upload" in run.stderr
    assert "hint: the index checks that the attestation was signed" in run.stderr
    assert sandbox.warehouse.files(PROJECT) == {}


def test_a_signing_failure_uploads_nothing(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    config = json.loads(_trust_config(sandbox).read_text())
    for entry in config["signingConfig"]["caUrls"]:
        entry["url"] = "http://127.0.0.1:9"  # a Fulcio that is not there
    broken = tmp_path / "broken-trust-config.json"
    broken.write_text(json.dumps(config))

    run = release(sandbox, packages_dir, tmp_path, trust_config=broken)

    assert run.returncode == 1, run.log
    assert "signing with Sigstore failed" in run.stderr
    assert "Traceback" not in run.log
    assert sandbox.warehouse.uploads == []
    assert list(packages_dir.glob("*.publish.attestation")) == []


def test_a_foreign_attestation_file_is_refused_before_signing(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    wheel = next(packages_dir.glob("*.whl"))
    sdist_attestation = next(packages_dir.glob("*.tar.gz.publish.attestation"))
    # The sdist's attestation put where the wheel's should be: valid, but for other contents.
    (packages_dir / f"{wheel.name}.publish.attestation").write_bytes(sdist_attestation.read_bytes())
    entries_before = sandbox.sigstore.entries if sandbox.sigstore else 0

    run = release(sandbox, packages_dir, tmp_path, "--skip-existing")

    assert run.returncode == 1, run.log
    assert "stale: made by this workflow for other contents (an earlier build)" in run.stderr
    assert f"hint: delete them (rm {packages_dir}/*.publish.attestation)" in run.stderr
    assert sandbox.sigstore is not None
    assert sandbox.sigstore.entries == entries_before


def test_a_rerun_reuses_its_own_attestations(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    assert sandbox.sigstore is not None
    entries = sandbox.sigstore.entries

    rerun = release(sandbox, packages_dir, tmp_path, "--skip-existing")

    assert rerun.returncode == 0, rerun.log
    assert "2 attestations signed" not in rerun.summary
    assert "0 attestations signed, 2 reused" in rerun.summary
    assert sandbox.sigstore.entries == entries  # no new public log entries


def test_a_dry_run_signs_nothing(sandbox: Sandbox, packages_dir: Path, tmp_path: Path) -> None:
    run = release(sandbox, packages_dir, tmp_path, "--dry-run")

    assert run.returncode == 0, run.log
    assert "2 PEP 740 attestations would be made" in run.summary
    assert sandbox.sigstore is not None
    assert sandbox.sigstore.entries == 0
    assert sandbox.issuer.issued == []


def test_two_indexes_in_one_job_reuse_the_attestations(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    """TestPyPI, then PyPI, from one job: the reference action fails the second upload
    ("already has a publish attestation"); the same attestations serve both indexes."""
    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    assert sandbox.sigstore is not None
    entries = sandbox.sigstore.entries
    with Warehouse(
        issuer=sandbox.issuer, root=tmp_path / "second", trusted_root=sandbox.sigstore.trusted_root
    ) as second:
        second.add_publisher(
            TrustedPublisher(
                project=PROJECT,
                repository=REPOSITORY,
                repository_owner_id=IDENTITY.repository_owner_id,
                workflow_file="release.yml",
                environment="pypi",
            )
        )
        run = release(replace(sandbox, warehouse=second), packages_dir, tmp_path)
        assert run.returncode == 0, run.log
        assert len(second.files(PROJECT)) == 2
    assert "0 attestations signed, 2 reused" in run.summary
    assert "provenance of 2 files verified" in run.summary
    assert sandbox.sigstore.entries == entries


def test_a_signing_token_failure_after_the_exchange_uploads_nothing(
    sandbox: Sandbox, packages_dir: Path
) -> None:
    fetch = sandbox.id_tokens()

    def sigstore_token_refused(audience: str) -> Secret:
        if audience == "sigstore":
            raise TrustedPublishingError("requesting the job's ID token failed: 500", "re-run")
        return fetch(audience)

    assert sandbox.sigstore is not None
    config = load_config(
        {},
        {"repository-url": sandbox.warehouse.upload_url, "packages-dir": str(packages_dir),
         "sigstore-trust-config": str(sandbox.sigstore.trust_config_path), "audit": "off"},
    )  # fmt: skip
    log = io.StringIO()
    env = release_environment(
        config=config,
        context=GitHubContext(
            event_name="push",
            ref=IDENTITY.ref,
            repository=REPOSITORY,
            workflow_ref=WORKFLOW_REF,
            id_token_available=True,
        ),
        reporter=TerminalReporter(verbose=True, out=log, err=log),
        session=requests.Session(),
        id_tokens=sigstore_token_refused,
    )

    with pytest.raises(ReleaseError) as caught:
        run_release(env)

    register_sandbox_tokens(sandbox)
    assert_no_secrets(log.getvalue())
    assert "the ID token for signing could not be obtained" in caught.value.message
    assert "after a successful Trusted Publishing exchange" in caught.value.hint
    assert sandbox.warehouse.uploads == []


def test_an_unreachable_public_trust_root_is_a_network_error_not_a_verdict(
    sandbox: Sandbox,
    packages_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sigstore.errors
    from sigstore.models import ClientTrustConfig

    from py_release.attest import trust
    from py_release.cli import main

    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    wheel = next(packages_dir.glob("*.whl"))

    def unreachable(cls: type[ClientTrustConfig], offline: bool = False) -> ClientTrustConfig:
        # What sigstore raises when tuf-repo-cdn.sigstore.dev does not answer.
        raise sigstore.errors.TUFError("Failed to refresh TUF metadata")

    monkeypatch.setattr(ClientTrustConfig, "production", classmethod(unreachable))
    trust._loaded.cache_clear()  # a root loaded earlier in this process would be kept
    code = main(
        ["verify", str(wheel), "--repository", REPOSITORY, "--workflow", "release.yml"],
        {"PATH": "/usr/bin:/bin"},
    )

    err = capsys.readouterr().err
    assert code == 1
    assert "the public Sigstore's trust root could not be fetched" in err
    assert "this says nothing about the files" in err
    assert "--offline" in err
    assert "do not install" not in err
    assert "Traceback" not in err


def test_a_missing_attestation_refutes_and_an_unreachable_index_leaves_unchecked(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    from pypi_attestations import GitHubPublisher

    from py_release.attest.check_release import (
        ReleaseVerificationError,
        VerificationIncomplete,
        raise_for,
        verify_local,
        verify_published,
    )
    from py_release.index.repositories import index_info
    from py_release.parsers import parse_repository_url

    assert release(sandbox, packages_dir, tmp_path).returncode == 0
    publisher = GitHubPublisher(repository=REPOSITORY, workflow="release.yml")
    assert sandbox.sigstore is not None
    root = sandbox.sigstore.trusted_root
    wheel = next(packages_dir.glob("*.whl"))
    unsigned = wheel.with_name("py_release_sample-1.0.0-py2-none-any.whl")
    unsigned.write_bytes(wheel.read_bytes())

    verdicts = verify_local([wheel, unsigned], publisher, trusted_root=root)
    assert [(v.name, v.outcome) for v in verdicts] == [
        (wheel.name, "verified"), (unsigned.name, "refuted")
    ]  # fmt: skip
    assert f"{unsigned.name}.publish.attestation is missing" in verdicts[1].detail
    with pytest.raises(ReleaseVerificationError):
        raise_for(verdicts, publisher)

    # An index that lists the files but then stops answering: nothing is refuted.
    listed = index_info(parse_repository_url("repository-url", sandbox.warehouse.upload_url))

    class FailingDownloads(requests.Session):
        def get(self, url: str | bytes, **kwargs: object) -> requests.Response:
            if "/simple/" in str(url):
                return super().get(url, **kwargs)  # type: ignore[arg-type]
            raise requests.ConnectionError("connection reset by peer")

    with FailingDownloads() as session:
        published = verify_published(
            f"{PROJECT}==1.0.0", publisher, index=listed, trusted_root=root, session=session
        )
    assert {v.outcome for v in published} == {"unchecked"}
    with pytest.raises(VerificationIncomplete) as raised:
        raise_for(published, publisher)
    assert "do not install" not in raised.value.hint


def test_attestations_from_another_sigstore_are_named_stale_before_signing(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    # A first release against one sandbox leaves its attestations beside the files; the next
    # run meets a new sandbox, whose Sigstore has other keys (as a second, private Sigstore).
    for run_dir in ("first", "second"):
        (tmp_path / run_dir).mkdir()
    assert release(sandbox, packages_dir, tmp_path / "first").returncode == 0
    with start_sandbox(IDENTITY, PROJECT) as second:
        register_secret(second.issuer.request_token.reveal())
        run = release(second, packages_dir, tmp_path / "second")
        assert second.warehouse.uploads == []

    assert run.returncode == 1, run.log
    assert "does not verify with this run's Sigstore" in run.stderr
    assert "an earlier run signed it with another one" in run.stderr
    assert "hint: delete them" in run.stderr
    assert "publisher's settings" not in run.stderr


def test_attestations_beside_files_built_again_are_replaced(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from tests.unit.test_cli_bad_inputs import SAMPLE_PROJECT

    project = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns("dist", "build"))
    packages = project / "dist"
    for run_dir in ("first", "second"):
        (tmp_path / run_dir).mkdir()
    first = release(sandbox, packages, tmp_path / "first", "--project-dir", str(project),
                    "--build", "true")  # fmt: skip
    assert first.returncode == 0, first.log
    # The next build of the same version differs (a changed file), as non-reproducible
    # builds do; its upload is refused as existing, but only after it was signed afresh.
    (project / "README.md").write_text("# changed\n", encoding="utf-8")

    run = release(sandbox, packages, tmp_path / "second", "--project-dir", str(project),
                  "--build", "true")  # fmt: skip

    assert "the file was built again by this run" in run.stdout, run.log
    assert "stale: made by this workflow for other contents" in run.stdout
    assert "cannot be sent with these files" not in run.log


def test_artifact_folders_are_signed_where_they_lie(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    artifacts = tmp_path / "artifacts"
    for dist in list(packages_dir.iterdir()):
        folder = artifacts / f"dist-{dist.name.rsplit('.', 1)[-1]}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(dist, folder / dist.name)

    run = release(sandbox, artifacts, tmp_path)

    assert run.returncode == 0, run.log
    assert sorted(p.parent.name for p in artifacts.glob("*/*.publish.attestation")) == [
        "dist-gz", "dist-whl"
    ]  # fmt: skip
    assert len(sandbox.warehouse.files(PROJECT)) == 2
    assert "provenance of 2 files verified" in run.summary


def test_a_trust_config_is_loaded_once_and_a_failure_is_not_kept(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from py_release.attest.trust import load_trust_config
    from py_release.errors import InputError

    path = _trust_config(sandbox)
    assert load_trust_config(path) is load_trust_config(path)
    missing = tmp_path / "later.json"
    with pytest.raises(InputError):
        load_trust_config(missing)
    shutil.copy2(path, missing)
    assert load_trust_config(missing).trusted_root is not None
