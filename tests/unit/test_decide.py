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


UNTRUSTED = [
    GitHubContext(event_name="pull_request_target"),
    GitHubContext(event_name="workflow_run"),
    GitHubContext(event_name="pull_request", pull_request_from_fork=True),
]


@pytest.mark.parametrize("context", UNTRUSTED, ids=lambda c: str(c.event_name))
def test_an_untrusted_event_never_publishes_unless_allowed(context: GitHubContext) -> None:
    from py_release.decide import UntrustedEventError

    # auto: a dry run, whatever the credentials.
    password = Secret("pypi-secret")
    decided, reason = decide_dry_run(Config(password=password), context)
    assert decided is True
    assert reason.startswith("dry-run is auto and ")
    # false: refused, naming the input that would allow it.
    with pytest.raises(UntrustedEventError) as refused:
        decide_dry_run(Config(dry_run="false", password=password), context)
    assert "allow-untrusted-events: true" in refused.value.hint
    # allowed: it publishes, and says why it was allowed.
    allowed = decide(Config(dry_run="false", allow_untrusted_events=True), context, has_dists=True)
    assert allowed.dry_run is False
    assert "allow-untrusted-events is true, though" in allowed.dry_run_reason


def test_a_pull_request_from_the_same_repository_may_publish_when_asked() -> None:
    decided, _ = decide_dry_run(Config(dry_run="false"), GitHubContext(event_name="pull_request"))
    assert decided is False


@pytest.mark.parametrize(
    ("payload", "fork"),
    [
        (b'{"pull_request": {"head": {"repo": {"fork": true}}}}', True),
        (b'{"pull_request": {"head": {"repo": {"full_name": "me/x"}}, '
         b'"base": {"repo": {"full_name": "org/x"}}}}', True),
        (b'{"pull_request": {"head": {"repo": {"full_name": "org/x"}}, '
         b'"base": {"repo": {"full_name": "org/x"}}}}', False),
        (b'{"pull_request": "not an object"}', False),
        (b"[1, 2]", False),
        (b"\xff\xfe not utf-8", False),
    ],
)  # fmt: skip
def test_the_event_payload_is_read_defensively(payload: bytes, fork: bool, tmp_path: Path) -> None:
    from py_release.github.context import load_context

    event = tmp_path / "event.json"
    event.write_bytes(payload)
    context = load_context({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)})
    assert context.pull_request_from_fork is fork


@pytest.mark.parametrize("path", ["/dev/zero", "/", "/nonexistent/event.json"])
def test_an_event_path_that_is_not_a_file_is_no_event(path: str) -> None:
    from py_release.github.context import load_context

    context = load_context({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path})
    assert context.pull_request_from_fork is False


def test_a_backtracking_release_tag_pattern_is_an_error_not_a_hang() -> None:
    from py_release.decide import decide_index
    from py_release.errors import InputError

    config = Config(repository="auto", release_tag_pattern=r"^(a|aa)+$")
    with pytest.raises(InputError) as caught:
        decide_index(config, GitHubContext(ref="refs/tags/" + "a" * 60 + "b"))
    assert caught.value.input_name == "release-tag-pattern"
    assert "backtracks without end" in caught.value.message
