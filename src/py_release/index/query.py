"""What the index already holds for a project: file names and sha256, read from its simple API
(PEP 691 JSON, or HTML with ``#sha256=`` fragments) through ``pypi-simple``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from pypi_simple import NoSuchProjectError, PyPISimple

from py_release.errors import IndexQueryError
from py_release.index.repositories import IndexInfo
from py_release.secrets import Secret

TIMEOUT = (10, 60)


@dataclass(frozen=True)
class IndexFile:
    filename: str
    sha256: str | None
    url: str = ""


def _auth_for(index: IndexInfo, user: str, password: Secret | None) -> tuple[str, str] | None:
    # Credentials go only to the host they were given for (the upload host).
    if password is None or urlsplit(index.simple_url).netloc != index.host:
        return None
    return (user, password.reveal())


def existing_files(
    index: IndexInfo,
    project: str,
    *,
    session: requests.Session,
    user: str = "__token__",
    password: Secret | None = None,
) -> dict[str, IndexFile]:
    """Files the index lists for ``project`` by name; empty when the project does not exist.

    Raises ``IndexQueryError`` when the index cannot be asked.
    """
    client = PyPISimple(index.simple_url, session=session, auth=_auth_for(index, user, password))
    try:
        page = client.get_project_page(project, timeout=TIMEOUT)
    except NoSuchProjectError:
        return {}
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise IndexQueryError(
            f"the index's simple API at {index.simple_url} answered {status} for '{project}'",
            "check repository-url; py-release reads the simple API beside the upload URL "
            "to learn which files already exist",
        ) from None
    except requests.RequestException as exc:
        raise IndexQueryError(
            f"cannot reach the index's simple API at {index.simple_url}: {type(exc).__name__}",
            "check that the index is up and that repository-url is right",
        ) from None
    return {
        package.filename: IndexFile(package.filename, package.digests.get("sha256"), package.url)
        for package in page.packages
    }
