"""The release path against a real pypiserver on 127.0.0.1 with an htpasswd user."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from py_release.distributions.files import DistFile
from py_release.errors import UploadError
from py_release.index.credentials import StaticCredentials
from py_release.index.repositories import index_info
from py_release.index.upload import Uploader, UploadJob
from py_release.reporter import TerminalReporter
from tests.helpers import CliRun, copy_sample, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_masked_first, register_secret

SAMPLE_FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}


def publish(
    server: PypiServer, packages: Path, tmp_path: Path, *extra: str, password: str | None = None
) -> CliRun:
    env = {"INPUT_PASSWORD": server.password.reveal() if password is None else password}
    return run_cli(
        ["publish", "--repository-url", server.url, "--user", server.user,
         "--packages-dir", str(packages), "--attestations", "false", *extra],
        tmp_path,
        env,
    )  # fmt: skip


def on_index(server: PypiServer) -> set[str]:
    return {p.name for p in server.packages.iterdir()}


def install_back(server: PypiServer, tmp_path: Path, name: str) -> str:
    """Install ``name`` from the index alone into a fresh venv; return its version."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--python", str(python), "--no-cache",
         "--index-url", server.simple_url, name],
        check=True,
        capture_output=True,
    )  # fmt: skip
    shown = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({name!r}))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return shown.stdout.strip()


def test_release_uploads_both_files_and_installs_back(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, packages_dir, tmp_path)

    assert run.returncode == 0, run.log
    assert_masked_first(run.stdout, pypiserver.password.reveal())
    assert on_index(pypiserver) == SAMPLE_FILES
    assert run.outputs["project"] == "py-release-sample"
    assert run.outputs["version"] == "1.0.0"
    assert run.outputs["uploaded"] == "2"
    assert run.outputs["skipped"] == "0"
    assert run.outputs["dry-run"] == "false"
    assert run.outputs["index-url"] == pypiserver.simple_url
    assert run.outputs["project-url"] == f"{pypiserver.simple_url}py-release-sample/"
    assert {f["name"]: f["status"] for f in run.files()} == dict.fromkeys(SAMPLE_FILES, "uploaded")
    for entry in run.files():
        local = DistFile(packages_dir / str(entry["name"]))
        assert entry["sha256"] == local.hashes.sha256
    assert "| `py_release_sample-1.0.0.tar.gz` |" in run.summary
    assert "<summary>Contents of the wheel" in run.summary
    for digest in ("SHA256:", "MD5:", "BLAKE2-256:"):
        assert digest in run.stdout
    assert install_back(pypiserver, tmp_path, "py-release-sample") == "1.0.0"


def test_rerun_with_skip_existing_uploads_nothing_and_passes(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    assert publish(pypiserver, packages_dir, tmp_path).returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in pypiserver.packages.iterdir()}

    rerun = publish(pypiserver, packages_dir, tmp_path, "--skip-existing")

    assert rerun.returncode == 0, rerun.log
    assert rerun.outputs["uploaded"] == "0"
    assert rerun.outputs["skipped"] == "2"
    assert {p.name: p.stat().st_mtime_ns for p in pypiserver.packages.iterdir()} == before


def test_rerun_without_skip_existing_sends_nothing_again_and_reports_it(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    assert publish(pypiserver, packages_dir, tmp_path).returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in pypiserver.packages.iterdir()}

    rerun = publish(pypiserver, packages_dir, tmp_path)

    assert rerun.returncode == 0, rerun.log
    assert rerun.outputs["uploaded"] == "0"
    assert {f["status"] for f in rerun.files()} == {"already on index"}
    assert "2 files are already on the index and will not be sent again" in rerun.stdout
    assert "2 were already on the index (not sent again)" in rerun.summary
    assert {p.name: p.stat().st_mtime_ns for p in pypiserver.packages.iterdir()} == before


def _rewrite_wheel(wheel: Path) -> None:
    """Change a wheel's bytes, keeping it valid: store its members uncompressed."""
    with zipfile.ZipFile(wheel) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_STORED) as target:
        for info, data in members:
            info.compress_type = zipfile.ZIP_STORED
            target.writestr(info, data)


def test_a_file_of_the_same_name_with_other_contents_refuses_the_release(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    assert publish(pypiserver, packages_dir, tmp_path).returncode == 0
    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    for dist in packages_dir.iterdir():
        shutil.copy2(dist, rebuilt / dist.name)
    wheel = next(rebuilt.glob("*.whl"))
    _rewrite_wheel(wheel)  # same name, other bytes, still a valid wheel

    run = publish(pypiserver, rebuilt, tmp_path, "--skip-existing")

    assert run.returncode == 1
    assert "the index already has files of these names with other contents" in run.stderr
    assert wheel.name in run.stderr
    assert "hint: a published file can never be replaced" in run.stderr


def test_a_second_sdist_of_a_release_is_refused_before_any_upload(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    from tests.unit.artefacts import make_sdist

    # The release's sdist is already published as a .zip (an older build).
    zipped = make_sdist(pypiserver.packages, name="py-release-sample", archive_format="zip")
    assert zipped.name == "py_release_sample-1.0.0.zip"

    run = publish(pypiserver, packages_dir, tmp_path)

    assert run.returncode == 1, run.log
    assert (
        "the index already has an sdist of 1.0.0, py_release_sample-1.0.0.zip, so "
        "py_release_sample-1.0.0.tar.gz would be refused (PyPI: Only one sdist may be "
        "uploaded per release.)"
    ) in run.stderr
    assert "hint: leave py_release_sample-1.0.0.tar.gz out" in run.stderr
    assert on_index(pypiserver) == {zipped.name}

    (packages_dir / "py_release_sample-1.0.0.tar.gz").unlink()
    wheels_only = publish(pypiserver, packages_dir, tmp_path)
    assert wheels_only.returncode == 0, wheels_only.log
    assert on_index(pypiserver) == {zipped.name, "py_release_sample-1.0.0-py3-none-any.whl"}


def test_the_index_answering_existing_counts_as_skipped_or_already_there(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    # The plan normally spots existing files before uploading; this is the fallback for an
    # index whose listing lags: its own 409/400 answer decides, after asking what it holds.
    assert publish(pypiserver, packages_dir, tmp_path).returncode == 0
    wheel = DistFile(next(packages_dir.glob("*.whl")))
    other = tmp_path / "other" / wheel.name
    other.parent.mkdir()
    shutil.copy2(wheel.path, other)
    _rewrite_wheel(other)

    def uploader(skip_existing: bool) -> Uploader:
        return Uploader(
            index=index_info(pypiserver.url),
            project="py-release-sample",
            credentials=StaticCredentials(pypiserver.user, pypiserver.password),
            reporter=TerminalReporter(verbose=False, out=io.StringIO(), err=io.StringIO()),
            skip_existing=skip_existing,
        )

    assert uploader(False).send_with_retries(UploadJob(wheel)) == "already on index"
    assert uploader(True).send_with_retries(UploadJob(DistFile(other))) == "skipped"
    with pytest.raises(UploadError, match="already has"):
        uploader(False).send_with_retries(UploadJob(DistFile(other)))


def test_wrong_password_fails_with_a_hint(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    wrong = register_secret("not-the-password")  # run_cli scans every capture for it
    run = publish(pypiserver, packages_dir, tmp_path, password=wrong)

    assert run.returncode == 1
    assert "refused the credentials" in run.stderr
    assert "hint: check the user and password inputs" in run.stderr
    assert "Traceback" not in run.log
    assert_masked_first(run.stdout, wrong)
    assert on_index(pypiserver) == set()


def test_dry_run_uploads_nothing_and_lists_what_would_go(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    run = publish(pypiserver, packages_dir, tmp_path, "--dry-run")

    assert run.returncode == 0, run.log
    assert on_index(pypiserver) == set()
    assert run.outputs["dry-run"] == "true"
    assert run.outputs["uploaded"] == "0"
    assert {f["status"] for f in run.files()} == {"would upload"}
    assert "dry run, nothing uploaded" in run.summary


def test_dry_run_on_a_pull_request_reports_files_already_on_the_index(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    assert publish(pypiserver, packages_dir, tmp_path).returncode == 0
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"fork": False}}}}))

    run = run_cli(
        ["publish", "--repository-url", pypiserver.url, "--user", pypiserver.user,
         "--packages-dir", str(packages_dir), "--attestations", "false"],
        tmp_path,
        {"INPUT_PASSWORD": pypiserver.password.reveal(), "GITHUB_EVENT_NAME": "pull_request",
         "GITHUB_EVENT_PATH": str(event)},
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert run.outputs["dry-run"] == "true"
    assert {f["status"] for f in run.files()} == {"already on index"}
    assert "already on the index and will not be sent again" in run.stdout


def test_builds_the_project_when_packages_dir_is_empty(
    pypiserver: PypiServer, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path, version="2.0.0")
    packages = tmp_path / "out"

    run = publish(pypiserver, packages, tmp_path, "--project-dir", str(project))

    assert run.returncode == 0, run.log
    assert on_index(pypiserver) == {
        "py_release_sample-2.0.0.tar.gz",
        "py_release_sample-2.0.0-py3-none-any.whl",
    }
    assert "built py_release_sample-2.0.0.tar.gz" in run.summary


def test_tag_that_differs_from_the_version_fails_before_upload(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    run = run_cli(
        ["publish", "--repository-url", pypiserver.url, "--user", pypiserver.user,
         "--packages-dir", str(packages_dir), "--attestations", "false"],
        tmp_path,
        {"INPUT_PASSWORD": pypiserver.password.reveal(), "GITHUB_EVENT_NAME": "push",
         "GITHUB_REF": "refs/tags/v1.0.1"},
    )  # fmt: skip

    assert run.returncode == 1
    assert "does not match the version of the distributions, 1.0.0" in run.stderr
    assert on_index(pypiserver) == set()


def test_index_that_is_down_fails_with_a_hint(packages_dir: Path, tmp_path: Path) -> None:
    run = run_cli(
        ["publish", "--repository-url", "http://127.0.0.1:9/", "--packages-dir",
         str(packages_dir), "--attestations", "false"],
        tmp_path,
        {"INPUT_PASSWORD": register_secret("down-index-password")},
    )  # fmt: skip

    assert run.returncode == 1
    assert "cannot reach the index" in run.stderr
    assert "hint:" in run.stderr
    assert "Traceback" not in run.log


@pytest.mark.slow
def test_a_real_project_from_pypi_releases_and_installs_back(
    pypiserver: PypiServer, tmp_path: Path
) -> None:
    """A project that is not ours: idna's real sdist from PyPI, unpacked, built and released."""
    download = tmp_path / "download"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         "--dest", str(download), "idna==3.10"],
        check=True,
    )  # fmt: skip
    sdist = next(download.glob("idna-3.10.tar.gz"))
    subprocess.run(["tar", "-xzf", str(sdist), "-C", str(tmp_path)], check=True)

    run = publish(
        pypiserver, tmp_path / "out", tmp_path, "--project-dir", str(tmp_path / "idna-3.10")
    )

    assert run.returncode == 0, run.log
    assert on_index(pypiserver) == {"idna-3.10.tar.gz", "idna-3.10-py3-none-any.whl"}
    assert install_back(pypiserver, tmp_path, "idna") == "3.10"
    assert requests.get(f"{pypiserver.simple_url}idna/", timeout=10).status_code == 200


def test_unwritable_file_commands_are_named_and_the_upload_still_reported(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "outputs-dir").mkdir()
    run = run_cli(
        ["publish", "--repository-url", pypiserver.url, "--user", pypiserver.user,
         "--packages-dir", str(packages_dir), "--attestations", "false"],
        tmp_path,
        {"INPUT_PASSWORD": pypiserver.password.reveal(),
         "GITHUB_OUTPUT": str(tmp_path / "outputs-dir"),
         "GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")},
    )  # fmt: skip

    assert run.returncode == 1, run.log
    assert "Traceback" not in run.log
    assert on_index(pypiserver) == SAMPLE_FILES
    assert f"cannot write the step outputs to {tmp_path / 'outputs-dir'}: Is a directory" in (
        run.stderr
    )
    assert "cannot write the job summary to" in run.stderr
    assert "hint: GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are the runner's files" in run.stderr
    assert "## 📦 py-release: py-release-sample 1.0.0 released" in run.stdout


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_a_folder_or_link_named_like_a_built_file_is_refused_before_the_build_lands(
    kind: str, pypiserver: PypiServer, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path)
    packages = tmp_path / "dist"
    packages.mkdir()
    blocker = packages / "py_release_sample-1.0.0-py3-none-any.whl"
    if kind == "folder":
        (blocker / "py_release_sample-1.0.0-py3-none-any.whl").mkdir(parents=True)
    else:
        blocker.symlink_to(tmp_path / "elsewhere.whl")

    run = publish(pypiserver, packages, tmp_path, "--project-dir", str(project), "--build", "auto")

    assert run.returncode == 1, run.log
    assert "Traceback" not in run.log
    assert f"{blocker} is a folder or a link" in run.stderr
    assert on_index(pypiserver) == set()


@pytest.mark.parametrize("event", ["pull_request_target", "workflow_run"])
def test_an_untrusted_event_with_a_password_publishes_nothing(
    event: str, pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    environ = {"INPUT_PASSWORD": pypiserver.password.reveal(), "GITHUB_EVENT_NAME": event}
    flags = ["publish", "--repository-url", pypiserver.url, "--user", pypiserver.user,
             "--packages-dir", str(packages_dir), "--attestations", "false"]  # fmt: skip

    refused = run_cli([*flags, "--dry-run", "false"], tmp_path, environ)
    auto = run_cli(flags, tmp_path, environ)

    assert refused.returncode == 1, refused.log
    assert "hint: publish on tag pushes, releases or workflow_dispatch" in refused.stderr
    assert "allow-untrusted-events: true" in refused.stderr
    assert auto.returncode == 0, auto.log
    assert auto.outputs["dry-run"] == "true"
    assert on_index(pypiserver) == set()


def test_one_folder_per_artifact_is_published_and_named(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    # download-artifact without merge-multiple: one folder per artifact.
    artifacts = tmp_path / "artifacts"
    for dist in packages_dir.iterdir():
        folder = artifacts / ("sdist" if dist.name.endswith(".tar.gz") else "wheels-ubuntu")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(dist, folder / dist.name)

    run = publish(pypiserver, artifacts, tmp_path)

    assert run.returncode == 0, run.log
    assert on_index(pypiserver) == SAMPLE_FILES
    assert f"2 distributions in {artifacts} and its artifact folders sdist/, wheels-ubuntu/" in (
        run.stdout
    )
