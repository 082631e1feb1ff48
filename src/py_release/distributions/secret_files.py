"""Credentials that would be published inside a distribution: a release rule of ours (PyPI takes
them). A cloud login action writes its credentials file into the checkout
(``gha-creds-*.json``), and a backend that packs every file beside pyproject.toml puts it in the
sdist for anyone to download, forever. No maintained library scans archives for this (the
secret scanners read repositories), so the rules are here: files that are credentials by name,
credentials by content in small configuration-like files, and live token formats anywhere in
small text files.

Private keys are common test fixtures (requests and urllib3 ship TLS test keys): in a folder
named as tests, fixtures, examples or dummies they are a warning; elsewhere a refusal.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import PurePosixPath

from py_release.distributions.contents import members
from py_release.distributions.files import DistFile
from py_release.errors import Problem

# Files that hold credentials by their name alone (matched on the base name, lower case).
_NAMED = (
    "gha-creds-*.json",  # google-github-actions/auth
    ".pypirc",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".env",
    ".envrc",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".npmrc",
    "credentials.db",
    "access_tokens.db",
)
_TEMPLATE_ENV = re.compile(r"^\.env\.(example|sample|template|dist|defaults?)$")
_ENV_VARIANT = re.compile(r"^\.env\.[\w.-]+$")
_SCANNED_SUFFIXES = (
    ".json", ".pem", ".key", ".env", ".cfg", ".ini", ".toml", ".yaml", ".yml", ".txt", ".conf",
    ".py", ".sh", "rc", ".properties", ".xml",
)  # fmt: skip
_SCAN_LIMIT = 1024 * 1024
_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")
_SERVICE_ACCOUNT = re.compile(rb'"type"\s*:\s*"(?:service_account|external_account)"')
# Token formats that are live credentials wherever they appear.
_TOKENS = (
    ("a PyPI API token", re.compile(rb"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("a TestPyPI API token", re.compile(rb"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,}")),
    ("a GitHub token", re.compile(rb"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{82})\b")),
    ("an AWS access key", re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
)
_FIXTURE_FOLDER = re.compile(
    r"^(?:tests?|testing|test_?data|test_\w+|\w+_tests?|fixtures?|examples?|samples?|demos?"
    r"|mocks?|dummy\w*)$",
    re.I,
)

_HINT = (
    "take it out of the distribution: delete it from the checkout before the build (a cloud "
    "login action can write its credentials outside the workspace), or exclude it in your "
    "backend's sdist settings (MANIFEST.in `exclude`, `[tool.hatch.build.targets.sdist] "
    "exclude`, `[tool.flit.sdist] exclude`, poetry's `exclude`); then revoke the credential "
    "if it was ever published"
)


def _named(base: str) -> bool:
    if _TEMPLATE_ENV.match(base):
        return False
    return any(fnmatch(base, pattern) for pattern in _NAMED) or bool(_ENV_VARIANT.match(base))


def _found_by_content(data: bytes, suffix_scanned: bool, base: str) -> str | None:
    for what, pattern in _TOKENS:
        if pattern.search(data):
            return f"holds {what}"
    if not suffix_scanned:
        return None
    if base.endswith(".json") and _SERVICE_ACCOUNT.search(data) and b"private_key" in data:
        return "is a cloud service-account credentials file"
    if _PRIVATE_KEY.search(data):
        return "holds a private key"
    return None


def secret_problems(dist: DistFile) -> list[Problem]:
    """A problem for each member of ``dist`` that holds a credential; private keys in test
    folders are warnings."""
    problems: list[Problem] = []
    for member in members(dist):
        if not member.is_file:
            continue
        name, size = member.name, member.size
        path = PurePosixPath(name)
        base = path.name.lower()
        if _named(base):
            problems.append(_problem(dist, name, "is a credentials file by its name"))
            continue
        if size > _SCAN_LIMIT:
            continue
        suffix_scanned = base.endswith(_SCANNED_SUFFIXES)
        if not suffix_scanned and path.suffix:
            continue
        found = _found_by_content(member.read(), suffix_scanned, base)
        if found is None:
            continue
        # An sdist's top folder is the project's name, not a place in it.
        folders = path.parts[1:-1] if dist.kind == "sdist" else path.parts[:-1]
        fixture = found == "holds a private key" and any(
            _FIXTURE_FOLDER.match(part) for part in folders
        )
        problems.append(_problem(dist, name, found, warning=fixture))
    return problems


def _problem(dist: DistFile, member: str, found: str, *, warning: bool = False) -> Problem:
    if warning:
        return Problem(
            dist.name,
            f"{member} {found}, in what looks like test data: anyone can download it",
            "make sure it is a test key, not one in use",
            severity="warning",
        )
    return Problem(dist.name, f"{member} {found}: publishing it gives it to anyone", _HINT)
