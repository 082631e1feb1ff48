"""What the reference action tells a user who publishes to PyPI with a stored token: the index
refuses a username and password; a token that is not a PyPI token is suspicious; and Trusted
Publishing would need no stored secret, with the link that sets it up."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.index.repositories import IndexInfo
from py_release.secrets import Secret


@dataclass(frozen=True)
class Nudge:
    title: str
    message: str


def token_nudges(index: IndexInfo, user: str, password: Secret | None) -> list[Nudge]:
    """The warnings for this password and index; raises for what PyPI refuses outright."""
    if not index.is_pypi or password is None:
        return []
    if user != "__token__":
        raise ReleaseError(
            f"{index.web_url} does not accept a username and password for uploads",
            "use Trusted Publishing (leave password empty and add `id-token: write`), or an "
            "API token with user __token__",
        )
    nudges = []
    if not password.reveal().startswith("pypi-"):
        nudges.append(
            Nudge(
                "Potentially invalid token",
                "the password does not look like a PyPI API token (they start with 'pypi-')",
            )
        )
    nudges.append(
        Nudge(
            "Upgrade to Trusted Publishing",
            "a long-lived API token is used; Trusted Publishing needs no stored secret. The job "
            "summary has the link that sets it up for this repository.",
        )
    )
    return nudges


def publisher_setup_note(index: IndexInfo, project: str, context: GitHubContext) -> str:
    """The summary line with PyPI's trusted-publisher form, filled in for this workflow."""
    fields = {"provider": "github"}
    if context.repository:
        owner, _, repository = context.repository.partition("/")
        fields |= {"owner": owner, "repository": repository}
    if context.workflow_file:
        fields["workflow_filename"] = context.workflow_file
    # Quoted: names from the run must not end the Markdown link or add to its query.
    page = f"manage/project/{quote(project)}/settings/publishing/"
    link = f"{index.web_url}{page}?{urlencode(fields, quote_via=quote)}"
    return (
        "**Upgrade to Trusted Publishing:** this release used a long-lived API token. "
        f"[Create a trusted publisher for this workflow]({link}), add "
        "`permissions: id-token: write` to the job and remove the password input."
    )
