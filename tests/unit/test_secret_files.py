"""Credentials inside a distribution refuse the release, naming the member; test keys in test
folders are a warning; ordinary files and templates pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from py_release.distributions.files import DistFile
from py_release.distributions.secret_files import secret_problems
from tests.unit.artefacts import NAME, VERSION, make_sdist, make_wheel, sdist_files

KEY = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n"
PYPI_TOKEN = b"pypi-AgEIcHlwaS5vcmc" + b"A" * 60
SERVICE_ACCOUNT = json.dumps(
    {"type": "service_account", "project_id": "p", "private_key": "-----BEGIN..."}
).encode()

REFUSED = [
    ("gha-creds-3f2a1b.json", b"{}", "is a credentials file by its name"),
    (".pypirc", b"[pypi]\npassword = x\n", "is a credentials file by its name"),
    (".env", b"TOKEN=x\n", "is a credentials file by its name"),
    (".env.production", b"TOKEN=x\n", "is a credentials file by its name"),
    ("deploy/id_ed25519", b"key", "is a credentials file by its name"),
    ("src/sample/settings.py", b"TOKEN = '" + PYPI_TOKEN + b"'\n", "holds a PyPI API token"),
    ("ci/gh.txt", b"ghp_" + b"a" * 36, "holds a GitHub token"),
    ("service.json", SERVICE_ACCOUNT, "is a cloud service-account credentials file"),
    ("certs/server.key", KEY, "holds a private key"),
]
PASSED = [
    (".env.example", b"TOKEN=\n"),
    ("src/sample/keys.py", b"KEY_HEADER = 'BEGIN PUBLIC KEY'\n"),
    ("docs/auth.md", b"Set `password = pypi-...` in ~/.pypirc\n"),
    ("id_ed25519.pub", b"ssh-ed25519 AAAA"),
]


def _sdist_with(tmp_path: Path, member: str, data: bytes) -> DistFile:
    files = {**sdist_files(NAME, VERSION), member: data}
    return DistFile(make_sdist(tmp_path, files=files))


@pytest.mark.parametrize(("member", "data", "found"), REFUSED, ids=[m for m, _, _ in REFUSED])
def test_a_credential_in_the_sdist_refuses_the_release(
    member: str, data: bytes, found: str, tmp_path: Path
) -> None:
    (problem,) = secret_problems(_sdist_with(tmp_path, member, data))
    assert problem.severity == "error"
    assert f"{NAME.replace('-', '_')}-{VERSION}/{member} {found}" in problem.message
    assert "publishing it gives it to anyone" in problem.message
    assert problem.hint.startswith("take it out of the distribution")


@pytest.mark.parametrize(("member", "data"), PASSED, ids=[m for m, _ in PASSED])
def test_ordinary_files_and_templates_pass(member: str, data: bytes, tmp_path: Path) -> None:
    assert secret_problems(_sdist_with(tmp_path, member, data)) == []


def test_a_test_key_in_a_test_folder_is_a_warning(tmp_path: Path) -> None:
    (problem,) = secret_problems(_sdist_with(tmp_path, "tests/certs/client.key", KEY))
    assert problem.severity == "warning"
    assert "in what looks like test data" in problem.message


def test_a_credential_in_a_wheel_is_found_too(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={"py_release_sample/.pypirc": b"[pypi]\n"})
    (problem,) = secret_problems(DistFile(wheel))
    assert "py_release_sample/.pypirc is a credentials file by its name" in problem.message
