"""A password sent to PyPI or TestPyPI gets the reference action's nudges."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from py_release.config import load_config
from py_release.decide import decide_stage
from py_release.distributions.build import build_stage
from py_release.distributions.check import check_stage
from py_release.environment import release_environment
from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.index.authenticate import authenticate_stage
from py_release.plan import Plan, Record
from py_release.reporter import TerminalReporter
from tests.secrets_registry import register_secret
from tests.unit.artefacts import make_sdist, make_wheel

CONTEXT = GitHubContext(
    event_name="push",
    ref="refs/heads/main",
    repository="octo-org/sample-project",
    workflow_ref="octo-org/sample-project/.github/workflows/release.yml@refs/heads/main",
)


def _authenticate(tmp_path: Path, url: str, user: str, password: str) -> tuple[Plan, str]:
    packages = tmp_path / "dist"
    packages.mkdir()
    make_wheel(packages)
    make_sdist(packages)
    config = load_config(
        {"INPUT_PASSWORD": register_secret(password)},
        {"repository-url": url, "packages-dir": str(packages), "user": user,
         "attestations": "false"},
    )  # fmt: skip
    log = io.StringIO()
    env = release_environment(
        config=config,
        context=CONTEXT,
        reporter=TerminalReporter(verbose=True, out=log, err=log),
        session=requests.Session(),
    )
    plan = check_stage(build_stage(decide_stage(Record(), env), env), env)
    return authenticate_stage(plan, env), log.getvalue()


@pytest.mark.parametrize(
    ("url", "web"),
    [
        pytest.param("https://upload.pypi.org/legacy/", "https://pypi.org/", id="pypi"),
        pytest.param("https://test.pypi.org/legacy/", "https://test.pypi.org/", id="testpypi"),
    ],
)
def test_an_api_token_on_pypi_gets_the_upgrade_nudge_and_the_setup_link(
    tmp_path: Path, url: str, web: str
) -> None:
    plan, log = _authenticate(tmp_path, url, "__token__", "pypi-AgEIcHlwaS5vcmcExample")

    assert "Upgrade to Trusted Publishing" in log
    assert "Potentially invalid token" not in log
    (note,) = plan.notes
    assert (
        f"{web}manage/project/{plan.project}/settings/publishing/?provider=github"
        "&owner=octo-org&repository=sample-project&workflow_filename=release.yml"
    ) in note


def test_a_token_without_the_pypi_prefix_is_called_out(tmp_path: Path) -> None:
    _, log = _authenticate(tmp_path, "https://upload.pypi.org/legacy/", "__token__", "hunter2-x")
    assert "Potentially invalid token" in log


def test_a_username_and_password_are_refused_for_pypi(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="does not accept a username and password"):
        _authenticate(tmp_path, "https://upload.pypi.org/legacy/", "someone", "pw-for-pypi")


def test_a_private_index_gets_no_nudge(tmp_path: Path) -> None:
    plan, log = _authenticate(tmp_path, "https://pkgs.example.com/legacy/", "ci", "s3cret-pw")
    assert plan.notes == ()
    assert "Trusted Publishing" not in log
