"""Every route of the warehouse stand-in, to the endpoint function that answers it: warehouse's
paths for Trusted Publishing, the legacy upload API, the simple and JSON APIs, the files and
their provenance."""

from __future__ import annotations

from py_release.sandbox._http import StateRoute
from py_release.sandbox.warehouse import oidc, reads, upload
from py_release.sandbox.warehouse.state import WarehouseState

ROUTES: tuple[StateRoute[WarehouseState], ...] = (
    ("GET", "/_/oidc/audience", oidc.audience),
    ("POST", "/_/oidc/mint-token", oidc.mint_token),
    ("POST", "/_/oidc/github/mint-token", oidc.mint_token),
    ("POST", "/legacy/", upload.legacy_upload),
    ("POST", "/legacy", upload.legacy_no_slash),
    ("GET", "/simple/", reads.simple_index),
    ("GET", "/simple/<project>/", reads.simple_project),
    ("GET", "/files/<filename>", reads.served_file),
    ("GET", "/pypi/<project>/json", reads.json_project),
    ("GET", "/pypi/<project>/<version>/json", reads.json_release),
    ("GET", "/integrity/<project>/<version>/<filename>/provenance", reads.provenance),
)
