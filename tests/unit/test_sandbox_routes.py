"""The sandbox redirect (PY_RELEASE_SANDBOX_*): PyPI and TestPyPI routed to loopback stand-ins
for a rehearsal under act, and never a silent redirect of a real release."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from py_release.cli import main
from py_release.config import load_config
from py_release.configure import configure
from py_release.decide import decide, decide_stage
from py_release.environment import release_environment
from py_release.errors import InputError, InputErrors
from py_release.github.context import GitHubContext
from py_release.index.sandbox_routes import SandboxRouteError
from py_release.plan import Record
from py_release.reporter import TerminalReporter
from py_release.summary import summary_markdown
from tests.unit.artefacts import make_sdist, make_wheel

PYPI_STAND_IN = "http://127.0.0.1:45001/legacy/"
TESTPYPI_STAND_IN = "http://127.0.0.1:45002/legacy/"
SANDBOX = {
    "PY_RELEASE_SANDBOX_PYPI": PYPI_STAND_IN,
    "PY_RELEASE_SANDBOX_TESTPYPI": TESTPYPI_STAND_IN,
}
UNDER_ACT = {"GITHUB_ACTIONS": "true", "ACT": "true"}
TAG = GitHubContext(event_name="push", ref="refs/tags/v1.0.0")
BRANCH = GitHubContext(event_name="push", ref="refs/heads/main")


@pytest.mark.parametrize(
    ("inputs", "context", "stand_in", "label"),
    [
        pytest.param({}, BRANCH, PYPI_STAND_IN, "PyPI", id="default-repository-url"),
        pytest.param({"INPUT_REPOSITORY": "pypi"}, BRANCH, PYPI_STAND_IN, "PyPI", id="pypi"),
        pytest.param(
            {"INPUT_REPOSITORY": "testpypi"}, TAG, TESTPYPI_STAND_IN, "TestPyPI", id="testpypi"
        ),
        pytest.param({"INPUT_REPOSITORY": "auto"}, TAG, PYPI_STAND_IN, "PyPI", id="auto-tag"),
        pytest.param(
            {"INPUT_REPOSITORY": "auto"}, BRANCH, TESTPYPI_STAND_IN, "TestPyPI", id="auto-branch"
        ),
        pytest.param(
            {"INPUT_REPOSITORY-URL": "https://test.pypi.org/legacy/"},
            TAG,
            TESTPYPI_STAND_IN,
            "TestPyPI",
            id="testpypi-repository-url",
        ),
        pytest.param(
            {"INPUT_REPOSITORY": "https://upload.pypi.org/legacy/"},
            BRANCH,
            PYPI_STAND_IN,
            "PyPI",
            id="pypi-as-repository-url",
        ),
        pytest.param(
            {"INPUT_REPOSITORY-URL": PYPI_STAND_IN},
            BRANCH,
            PYPI_STAND_IN,
            "PyPI",
            id="the-stand-in-named-directly",
        ),
    ],
)
def test_every_route_to_pypi_or_testpypi_goes_to_its_stand_in_with_pypi_rules(
    inputs: dict[str, str], context: GitHubContext, stand_in: str, label: str
) -> None:
    config = load_config(inputs | SANDBOX | UNDER_ACT)
    index = decide(config, context, has_dists=True).index

    assert index.upload_url == stand_in
    assert index.is_pypi  # local versions refused, the JSON API read, Trusted Publishing
    assert index.label == label
    assert index.display == f"{label} (sandbox stand-in at {stand_in})"
    root = stand_in.removesuffix("legacy/")
    assert index.simple_url == f"{root}simple/"
    assert index.provenance_url("p", "1.0", "p-1.0.tar.gz").startswith(f"{root}integrity/p/")


def test_other_indexes_are_not_redirected() -> None:
    config = load_config({"INPUT_REPOSITORY": "https://pkgs.example.com/legacy/"} | SANDBOX)
    index = decide(config, TAG, has_dists=True).index
    assert index.upload_url == "https://pkgs.example.com/legacy/"
    assert index.display == "https://pkgs.example.com/legacy/"
    assert not index.is_pypi


def test_without_the_variables_nothing_changes() -> None:
    index = decide(load_config({"INPUT_REPOSITORY": "auto"}), TAG, has_dists=True).index
    assert index.upload_url == "https://upload.pypi.org/legacy/"
    assert index.label == "PyPI"
    assert index.display == "https://upload.pypi.org/legacy/"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.9", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_stand_ins_are_honoured(host: str) -> None:
    url = f"http://{host}:8080/legacy/"
    config = load_config({"PY_RELEASE_SANDBOX_PYPI": url})
    assert config.sandbox.pypi == url


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("https://upload.pypi.org/legacy/", "upload.pypi.org, which is not loopback"),
        ("http://10.0.0.5:8080/legacy/", "10.0.0.5, which is not loopback"),
        ("http://localhost.example.com/legacy/", "not loopback"),
        ("http://127.0.0.1.nip.io/legacy/", "not loopback"),
        ("ftp://127.0.0.1/legacy/", "not an http(s) URL"),
        ("http://user:pw@127.0.0.1/legacy/", "contains credentials"),
        ("127.0.0.1:8080", "not an http(s) URL"),
    ],
)
def test_a_stand_in_that_is_not_loopback_is_an_error(url: str, needle: str) -> None:
    with pytest.raises(SandboxRouteError) as caught:
        load_config({"PY_RELEASE_SANDBOX_TESTPYPI": url})
    assert caught.value.message.startswith("PY_RELEASE_SANDBOX_TESTPYPI ")
    assert needle in caught.value.message
    assert "py-release sandbox" in caught.value.hint


def test_on_a_hosted_runner_every_variable_is_refused_by_name() -> None:
    environ = SANDBOX | {"PY_RELEASE_SANDBOX_TRUST_CONFIG": "/tmp/trust.json"}
    with pytest.raises(InputErrors) as caught:
        load_config(environ | {"GITHUB_ACTIONS": "true"})
    named = {error.input_name for error in caught.value.errors}
    assert named == set(environ)
    for error in caught.value.errors:
        assert "hosted GitHub runner" in error.message
        assert error.hint.startswith(f"remove {error.input_name} ")


def test_on_a_hosted_runner_one_variable_is_one_error() -> None:
    with pytest.raises(SandboxRouteError) as caught:
        load_config({"PY_RELEASE_SANDBOX_PYPI": PYPI_STAND_IN, "GITHUB_ACTIONS": "true",
                     "ACT": "false"})  # fmt: skip
    assert caught.value.input_name == "PY_RELEASE_SANDBOX_PYPI"
    assert "remove PY_RELEASE_SANDBOX_PYPI" in caught.value.hint


def test_a_route_to_the_real_warehouse_without_its_stand_in_is_refused() -> None:
    config = load_config({"INPUT_REPOSITORY": "auto", "PY_RELEASE_SANDBOX_PYPI": PYPI_STAND_IN})
    assert decide(config, TAG, has_dists=True).index.upload_url == PYPI_STAND_IN
    with pytest.raises(SandboxRouteError) as caught:
        decide(config, BRANCH, has_dists=True)
    assert caught.value.input_name == "PY_RELEASE_SANDBOX_TESTPYPI"
    assert "never publishes to the real TestPyPI" in caught.value.message
    assert "PY_RELEASE_SANDBOX_PYPI" in caught.value.message


def test_the_trust_config_alone_keeps_a_release_off_the_real_pypi() -> None:
    config = load_config({"PY_RELEASE_SANDBOX_TRUST_CONFIG": "/tmp/trust.json"})
    assert config.sigstore_trust_config == Path("/tmp/trust.json")
    with pytest.raises(SandboxRouteError, match="PY_RELEASE_SANDBOX_PYPI is not set"):
        decide(config, TAG, has_dists=True)


def test_the_trust_config_variable_is_the_default_of_the_input() -> None:
    environ = SANDBOX | {"PY_RELEASE_SANDBOX_TRUST_CONFIG": "/sandbox/trust.json"}
    assert load_config(environ).sigstore_trust_config == Path("/sandbox/trust.json")
    given = load_config(environ | {"INPUT_SIGSTORE-TRUST-CONFIG": "/mine/trust.json"})
    assert given.sigstore_trust_config == Path("/mine/trust.json")
    assert given.sandbox.trust_config is None  # not in effect, so not reported as such


def test_the_log_and_the_summary_say_plainly_that_it_is_a_stand_in(tmp_path: Path) -> None:
    packages = tmp_path / "dist"
    packages.mkdir()
    make_wheel(packages)
    make_sdist(packages)
    trust = tmp_path / "trust.json"
    environ = (
        SANDBOX
        | UNDER_ACT
        | {
            "INPUT_REPOSITORY": "auto",
            "INPUT_PACKAGES-DIR": str(packages),
            "PY_RELEASE_SANDBOX_TRUST_CONFIG": str(trust),
        }
    )
    log = io.StringIO()
    env = release_environment(
        config=load_config(environ),
        context=TAG,
        reporter=TerminalReporter(verbose=True, out=log, err=log),
        session=requests.Session(),
    )
    plan = decide_stage(configure(Record(), env), env)

    text = log.getvalue()
    assert (
        f"index: PyPI (sandbox stand-in at {PYPI_STAND_IN}) "
        "(repository is auto and tag v1.0.0 is a release tag)"
    ) in text
    assert f"sandbox: TestPyPI is the stand-in at {TESTPYPI_STAND_IN}" in text
    assert f"sandbox: Sigstore trust config {trust} (PY_RELEASE_SANDBOX_TRUST_CONFIG)" in text
    summary = summary_markdown(plan, None)
    assert (
        f"| Index | PyPI (sandbox stand-in at {PYPI_STAND_IN}) "
        "(repository is auto and tag v1.0.0 is a release tag) |"
    ) in summary


def test_the_cli_refuses_a_sandbox_variable_on_a_hosted_runner_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packages = tmp_path / "dist"
    environ = {
        "GITHUB_ACTIONS": "true",
        "INPUT_PACKAGES-DIR": str(packages),
        "INPUT_PROJECT-DIR": str(tmp_path),
        "PY_RELEASE_SANDBOX_PYPI": PYPI_STAND_IN,
    }
    code = main(["publish"], environ=environ)

    out, err = capsys.readouterr()
    assert code == 1
    assert "PY_RELEASE_SANDBOX_PYPI is set on a hosted GitHub runner" in out + err
    assert "remove PY_RELEASE_SANDBOX_PYPI" in out + err
    assert "Traceback" not in out + err
    assert not packages.exists()


def test_a_sandbox_error_is_an_input_error() -> None:
    # Reported with the inputs' errors, all at once, before anything is built.
    with pytest.raises(InputErrors) as caught:
        load_config({"PY_RELEASE_SANDBOX_PYPI": "http://10.1.1.1/", "INPUT_VERBOSE": "2"})
    assert all(isinstance(e, InputError) for e in caught.value.errors)
    assert {e.input_name for e in caught.value.errors} == {"PY_RELEASE_SANDBOX_PYPI", "verbose"}
