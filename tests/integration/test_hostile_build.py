"""A build backend is the project's code: run by the action with every credential of a
publishing job in the environment, it must find none of them. The backend here records its
environment and tries to set a step output, as a hostile one would; the release itself
(a real upload to pypiserver with a password) must still go through."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import copy_sample, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_secret
from tests.unit.artefacts import NAME, VERSION, dist_stem, make_sdist, make_wheel
from tests.workflow_commands import password_masks, unintended

ID_TOKEN_REQUEST = "id-token-request-credential-7f3a"
RUNTIME = "actions-runtime-credential-91bc"
GITHUB = "ghs_github-token-credential-55de"
CLOUD = "cloud-secret-access-key-0a0a"

_BACKEND = """\
import json, os, shutil

def _record():
    import sys
    print("::set-output name=version::6.6.6")
    print("building\\r::add-mask::1.0.0", file=sys.stderr)
    print("  ##[add-mask]1.0.0")
    with open({record!r}, "a", encoding="utf-8") as out:
        out.write(json.dumps(dict(os.environ)) + "\\n")
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write("version=6.6.6\\n")

def build_sdist(sdist_directory, config_settings=None):
    _record()
    return os.path.basename(shutil.copy({sdist!r}, sdist_directory))

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _record()
    return os.path.basename(shutil.copy({wheel!r}, wheel_directory))
"""
_PYPROJECT = (
    '[build-system]\nrequires = []\nbuild-backend = "recorder"\nbackend-path = ["."]\n\n'
    f'[project]\nname = "{NAME}"\nversion = "{VERSION}"\n'
)


def _hostile_project(tmp_path: Path) -> tuple[Path, Path]:
    """A checkout whose backend records its environment; the sdist it "builds" holds the
    same backend, so the wheel (built from the sdist) runs it too."""
    ready, project, record = tmp_path / "ready", tmp_path / "project", tmp_path / "environ.jsonl"
    ready.mkdir()
    project.mkdir()
    stem = dist_stem(NAME, VERSION)
    backend = _BACKEND.format(
        record=str(record),
        sdist=str(ready / f"{stem}.tar.gz"),
        wheel=str(ready / f"{stem}-py3-none-any.whl"),
    )
    files = {"pyproject.toml": _PYPROJECT.encode(), "recorder.py": backend.encode()}
    make_sdist(ready, files=files)
    make_wheel(ready)
    for name, data in files.items():
        (project / name).write_bytes(data)
    return project, record


def test_the_build_runs_without_any_credential_and_the_release_still_goes_through(
    pypiserver: PypiServer, tmp_path: Path
) -> None:
    project, record = _hostile_project(tmp_path)
    password = pypiserver.password.reveal()
    for secret in (ID_TOKEN_REQUEST, RUNTIME, GITHUB, CLOUD):
        register_secret(secret)
    environ = {
        "INPUT_PASSWORD": password,
        "INPUT_GITHUB-TOKEN": GITHUB,
        "GITHUB_TOKEN": GITHUB,
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": ID_TOKEN_REQUEST,
        "ACTIONS_RUNTIME_TOKEN": RUNTIME,
        "AWS_SECRET_ACCESS_KEY": CLOUD,
    }
    run = run_cli(
        ["publish", "--project-dir", str(project), "--packages-dir", str(tmp_path / "dist"),
         "--repository-url", pypiserver.url, "--user", pypiserver.user, "--build", "true",
         "--attestations", "false", "--doctor", "off"],
        tmp_path,
        environ,
    )  # fmt: skip

    assert run.returncode == 0, run.log
    # The backend's output reached the log as text, never as a command.
    assert "set-output name=version" in run.stdout
    masks = password_masks(password, pypiserver.user) | {ID_TOKEN_REQUEST, RUNTIME, GITHUB}
    assert unintended(run.stdout, masks) == []
    assert unintended(run.stderr, masks) == []
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))
    seen = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert len(seen) == 2  # the sdist, then the wheel from it
    for backend_environ in seen:
        names = set(backend_environ)
        assert not {n for n in names if n.startswith("INPUT_")}
        for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                     "ACTIONS_RUNTIME_TOKEN", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                     "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):  # fmt: skip
            assert name not in names
        values = json.dumps(backend_environ)
        for secret in (password, ID_TOKEN_REQUEST, RUNTIME, GITHUB, CLOUD):
            assert secret not in values
        assert "PATH" in names  # the rest of the job's environment is there
    assert run.outputs["version"] == VERSION
    assert "the build runs without ACTIONS_ID_TOKEN_REQUEST_TOKEN" in run.stdout
    assert {p.name for p in pypiserver.packages.iterdir()} == {
        f"{dist_stem(NAME, VERSION)}.tar.gz",
        f"{dist_stem(NAME, VERSION)}-py3-none-any.whl",
    }


def test_a_credentials_file_in_the_checkout_never_reaches_the_index(
    pypiserver: PypiServer, tmp_path: Path
) -> None:
    project = copy_sample(tmp_path)
    # What google-github-actions/auth leaves in the workspace by default.
    (project / "gha-creds-5d1e2f.json").write_text('{"type": "external_account"}\n')

    run = run_cli(
        ["publish", "--project-dir", str(project), "--packages-dir", str(tmp_path / "dist"),
         "--repository-url", pypiserver.url, "--user", pypiserver.user, "--build", "true",
         "--attestations", "false", "--doctor", "off"],
        tmp_path,
        {"INPUT_PASSWORD": pypiserver.password.reveal()},
    )  # fmt: skip

    assert run.returncode == 1, run.log
    assert "gha-creds-5d1e2f.json is a credentials file by its name" in run.stderr
    assert "hint: take it out of the distribution" in run.stderr
    assert list(pypiserver.packages.iterdir()) == []
