"""The environment project code builds in: the job's, without anything that publishes.

A build backend and its build requirements are the project's code and whatever the index
serves for them, unpinned; they run before anything is uploaded, in the same job. With the
action's inputs (the password), the job's ID-token request credentials (which mint a PyPI
token as the project), the GitHub token and the file commands (which set later steps' outputs
and environment) in reach, a backend could publish as the project. No library strips these, so
it is done here, for the time of the build.

This is not isolation: code running as the same user in the same job can still read what the
job's processes hold. Building in a job without ``id-token: write`` or a password (as
``py-release init`` writes the workflow) is; doctor says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# What publishes or reaches GitHub, by name.
_REMOVED = frozenset(
    {
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_RUNTIME_URL",
        "ACTIONS_RESULTS_URL",
        "ACTIONS_CACHE_URL",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "GITHUB_STATE",
        "GITHUB_STEP_SUMMARY",
        "TWINE_USERNAME",
        "TWINE_PASSWORD",
        "UV_PUBLISH_TOKEN",
        "UV_PUBLISH_PASSWORD",
        "UV_PUBLISH_USERNAME",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
        "AWS_ACCESS_KEY_ID",
    }
)
# The action's inputs and our own variables, and anything named as a secret.
_REMOVED_PREFIXES = ("INPUT_", "PY_RELEASE_", "STATE_")
_SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|API_?KEY|PRIVATE_KEY", re.I)
# Names the build tools need even though they match the pattern above: pip and uv read their
# index settings (a private index's credentials included) to install the build requirements.
_KEPT_PREFIXES = ("PIP_", "UV_INDEX", "UV_EXTRA_INDEX", "UV_DEFAULT_INDEX")


def _removed(name: str) -> bool:
    upper = name.upper()
    if upper in _REMOVED or upper.startswith(_REMOVED_PREFIXES):
        return True
    return bool(_SECRET_NAME.search(upper)) and not upper.startswith(_KEPT_PREFIXES)


def build_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the variables that publish, reach GitHub or set later steps."""
    return {name: value for name, value in environ.items() if not _removed(name)}


@contextmanager
def without_credentials() -> Iterator[list[str]]:
    """For the block, ``os.environ`` is the build's (every subprocess ``build``, pip, uv and
    the backend start inherits it); yields the names taken out, then puts them back."""
    taken = {name: value for name, value in os.environ.items() if _removed(name)}
    for name in taken:
        del os.environ[name]
    try:
        yield sorted(taken)
    finally:
        os.environ.update(taken)
