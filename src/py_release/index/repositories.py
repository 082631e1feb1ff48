"""Known indexes, and the URLs derived from an upload URL. The one module that knows PyPI's and
TestPyPI's hosts and URLs; the others import them from here."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from packaging.utils import canonicalize_name

PYPI_HOST = "pypi.org"
PYPI_UPLOAD_HOST = "upload.pypi.org"
TESTPYPI_HOST = "test.pypi.org"
PYPI_WEB_URL = f"https://{PYPI_HOST}/"
TESTPYPI_WEB_URL = f"https://{TESTPYPI_HOST}/"
PYPI_UPLOAD_URL = f"https://{PYPI_UPLOAD_HOST}/legacy/"
TESTPYPI_UPLOAD_URL = f"https://{TESTPYPI_HOST}/legacy/"


@dataclass(frozen=True)
class IndexInfo:
    """Where an index takes uploads, where it lists files, and what it is."""

    upload_url: str
    simple_url: str
    # Web root of a warehouse (PyPI or TestPyPI), None for other indexes.
    web_url: str | None
    # "PyPI" or "TestPyPI" when this is the release sandbox's stand-in for it
    # (index/sandbox_routes.py); its web root is then the stand-in's.
    stand_in_for: str | None = None

    @property
    def is_pypi(self) -> bool:
        """PyPI or TestPyPI: their own rules (no local versions) and Trusted Publishing apply."""
        return self.web_url is not None

    @property
    def label(self) -> str | None:
        """``PyPI`` or ``TestPyPI`` (the real one or its sandbox stand-in), else None."""
        return self.stand_in_for or _WAREHOUSE_LABELS.get(self.web_url or "")

    @property
    def display(self) -> str:
        """How the log and the summary name the index: a stand-in says plainly that it is one."""
        if self.stand_in_for:
            return f"{self.stand_in_for} (sandbox stand-in at {self.upload_url})"
        return self.upload_url

    @property
    def host(self) -> str:
        return urlsplit(self.upload_url).netloc

    def provenance_url(self, project: str, version: str, filename: str) -> str:
        """Warehouse's PEP 740 provenance of one file (``/integrity/.../provenance``)."""
        parts = urlsplit(self.upload_url)
        root = self.web_url or f"{parts.scheme}://{parts.netloc}/"
        return f"{root}integrity/{canonicalize_name(project)}/{version}/{filename}/provenance"

    def project_url(self, project: str, version: str) -> str:
        name = canonicalize_name(project)
        if self.web_url:
            return f"{self.web_url}project/{name}/{version}/"
        return f"{self.simple_url}{name}/"


_WAREHOUSE_LABELS = {PYPI_WEB_URL: "PyPI", TESTPYPI_WEB_URL: "TestPyPI"}


def warehouse_web_root(url: str) -> str | None:
    """PyPI's or TestPyPI's web root (``https://pypi.org/``) for any URL of theirs; None for
    another index."""
    host = (urlsplit(url).hostname or "").lower()
    if host in (PYPI_UPLOAD_HOST, PYPI_HOST):
        return PYPI_WEB_URL
    if host == TESTPYPI_HOST:
        return TESTPYPI_WEB_URL
    return None


def index_info(upload_url: str) -> IndexInfo:
    """Derive the simple API from the upload URL.

    PyPI and TestPyPI serve it at ``/simple/`` of their web host; elsewhere an upload URL that
    ends in ``/legacy/`` has ``/simple/`` beside it, and any other (pypiserver's ``/``) has it
    below.
    """
    web = warehouse_web_root(upload_url)
    if web:
        return IndexInfo(upload_url, f"{web}simple/", web)
    parts = urlsplit(upload_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if path.endswith("/legacy/"):
        path = path.removesuffix("legacy/") + "simple/"
    else:
        path += "simple/"
    return IndexInfo(upload_url, urlunsplit((parts.scheme, parts.netloc, path, "", "")), None)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: localhost, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
