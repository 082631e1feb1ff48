"""Pure decisions: dry run per event, build or not, credentials, and the index's URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_release.config import AutoBool, BuildChoice, Config
from py_release.decide import decide, decide_build, decide_dry_run
from py_release.github.context import GitHubContext
from py_release.index.repositories import IndexInfo, index_info
from py_release.secrets import Secret


@pytest.mark.parametrize(
    ("event", "dry_run"),
    [
        ("pull_request", True),
        ("pull_request_target", True),
        ("merge_group", True),
        ("push", False),
        ("release", False),
        ("workflow_dispatch", False),
        ("schedule", False),
        (None, False),
    ],
    ids=lambda value: str(value),
)
def test_dry_run_auto_per_event(event: str | None, dry_run: bool) -> None:
    decided, reason = decide_dry_run(Config(), GitHubContext(event_name=event))
    assert decided is dry_run
    assert "auto" in reason
    assert (event or "outside GitHub Actions") in reason


@pytest.mark.parametrize(
    ("setting", "event", "dry_run"),
    [
        ("true", "push", True),
        ("true", None, True),
        ("false", "pull_request", False),
        ("false", "merge_group", False),
    ],
    ids=["true-on-push", "true-outside-actions", "false-on-pr", "false-on-merge-group"],
)
def test_explicit_dry_run_wins(setting: AutoBool, event: str | None, dry_run: bool) -> None:
    decided, reason = decide_dry_run(Config(dry_run=setting), GitHubContext(event_name=event))
    assert decided is dry_run
    assert reason == f"dry-run is {setting}"


BOTH = ("sdist", "wheel")


@pytest.mark.parametrize(
    ("setting", "has_dists", "build"),
    [
        ("auto", False, BOTH),
        ("auto", True, ()),
        ("true", True, BOTH),
        ("true", False, BOTH),
        ("false", False, ()),
        ("false", True, ()),
        ("sdist", True, ("sdist",)),
        ("wheel", False, ("wheel",)),
    ],
    ids=[
        "auto-empty",
        "auto-with-dists",
        "true-with-dists",
        "true-empty",
        "false-empty",
        "false-with-dists",
        "sdist-only",
        "wheel-only",
    ],
)
def test_build_decision(setting: BuildChoice, has_dists: bool, build: tuple[str, ...]) -> None:
    config = Config(build=setting, packages_dir=Path("wheelhouse"))
    decided, reason = decide_build(config, has_dists)
    assert decided == build
    assert f"build is {setting}" in reason
    if setting == "auto":
        assert "wheelhouse" in reason


@pytest.mark.parametrize(
    ("password", "credentials"),
    [
        (Secret("pypi-token"), "password"),
        (None, "trusted-publishing"),
        (Secret(""), "trusted-publishing"),
    ],
    ids=["password", "no-password", "empty-password"],
)
def test_credentials(password: Secret | None, credentials: str) -> None:
    decision = decide(Config(password=password), GitHubContext(event_name="push"), has_dists=True)
    assert decision.credentials == credentials


def test_decide_puts_it_together() -> None:
    config = Config(repository_url="https://test.pypi.org/legacy/", build="auto")
    decision = decide(config, GitHubContext(event_name="pull_request"), has_dists=False)
    assert decision.dry_run is True
    assert decision.build == BOTH
    assert decision.index == index_info("https://test.pypi.org/legacy/")
    assert decision.credentials == "trusted-publishing"


@pytest.mark.parametrize(
    ("upload_url", "simple_url", "web_url"),
    [
        ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/", "https://pypi.org/"),
        (
            "https://test.pypi.org/legacy/",
            "https://test.pypi.org/simple/",
            "https://test.pypi.org/",
        ),
        ("https://Upload.PyPI.org/legacy/", "https://pypi.org/simple/", "https://pypi.org/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/", None),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/simple/", None),
        ("https://pkgs.example.com/legacy/", "https://pkgs.example.com/simple/", None),
        ("https://pkgs.example.com/team/legacy", "https://pkgs.example.com/team/simple/", None),
        ("https://devpi.example.com/root/dev/", "https://devpi.example.com/root/dev/simple/", None),
    ],
    ids=[
        "pypi",
        "testpypi",
        "pypi-mixed-case",
        "pypiserver-root",
        "pypiserver-no-slash",
        "private-legacy",
        "private-legacy-no-slash",
        "devpi-index",
    ],
)
def test_index_info(upload_url: str, simple_url: str, web_url: str | None) -> None:
    info = index_info(upload_url)
    assert info.upload_url == upload_url
    assert info.simple_url == simple_url
    assert info.web_url == web_url
    assert info.is_pypi is (web_url is not None)


def test_host() -> None:
    assert index_info("http://127.0.0.1:8080/").host == "127.0.0.1:8080"
    assert index_info("https://upload.pypi.org/legacy/").host == "upload.pypi.org"


@pytest.mark.parametrize(
    ("upload_url", "project_url"),
    [
        ("https://upload.pypi.org/legacy/", "https://pypi.org/project/py-release-sample/1.0.0/"),
        ("https://test.pypi.org/legacy/", "https://test.pypi.org/project/py-release-sample/1.0.0/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/py-release-sample/"),
        ("https://pkgs.example.com/legacy/", "https://pkgs.example.com/simple/py-release-sample/"),
    ],
    ids=["pypi", "testpypi", "pypiserver", "private"],
)
def test_project_url_uses_the_normalised_name(upload_url: str, project_url: str) -> None:
    info: IndexInfo = index_info(upload_url)
    assert info.project_url("Py_Release.Sample", "1.0.0") == project_url
