"""What act needs beyond the stand-ins' variables to run a release workflow offline: local
stand-ins for the GitHub actions a release workflow uses that act would fetch from GitHub
(actions/checkout, upload-artifact, download-artifact), put in place with act's
``--local-repository ACTION@REF=FOLDER`` so the workflow runs unmodified, and the act command
line itself.

The stand-ins (``standins/``) are small composite actions: checkout copies the repository
(``STANDIN_CHECKOUT_FROM``) into the job's workspace; the artifact pair keeps files in a
folder shared by the run's jobs (``STANDIN_ARTIFACTS``), with the real actions' name, pattern,
merge-multiple and if-no-files-found behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

STANDINS = Path(__file__).parent / "standins"
REPLACED = {
    "actions/checkout": "checkout",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
}
_USES = re.compile(
    r"""^\s*(?:-\s*)?uses:\s*['"]?(?P<action>[\w.-]+/[\w.-]+)@(?P<ref>[^\s'"#]+)""", re.M
)


@dataclass(frozen=True)
class ActSetup:
    local_repositories: tuple[str, ...]  # ACTION@REF=FOLDER, for --local-repository
    # Actions act still fetches from GitHub (this action among them), each ACTION@REF.
    fetched: tuple[str, ...]


def act_setup(workflow_text: str) -> ActSetup:
    """The stand-ins for the actions ``workflow_text`` uses at their exact refs, and the
    remote actions left for act to fetch."""
    local: set[str] = set()
    fetched: set[str] = set()
    for match in _USES.finditer(workflow_text):
        action, ref = match["action"], match["ref"]
        standin = REPLACED.get(action.lower())
        if standin:
            local.add(f"{action}@{ref}={STANDINS / standin}")
        else:
            fetched.add(f"{action}@{ref}")
    return ActSetup(tuple(sorted(local)), tuple(sorted(fetched)))


def act_command(
    event_file: str, env_file: Path | None, secret_file: Path, setup: ActSetup, event: str = "push"
) -> str:
    """The act command line that runs the workflow against the sandbox, in host mode."""
    parts = ["act", event, "-e", event_file, "-P", "ubuntu-latest=-self-hosted"]
    if env_file is not None:
        parts += ["--env-file", str(env_file)]
    parts += ["--secret-file", str(secret_file)]
    for local in setup.local_repositories:
        parts += ["--local-repository", local]
    return " ".join(parts)
