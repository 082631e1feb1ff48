"""A stand-in for PyPI's warehouse on 127.0.0.1: Trusted Publishing's token exchange, the
legacy upload API, and the simple and JSON APIs for what it holds.

Each endpoint makes warehouse's checks in warehouse's order and answers as warehouse does:
the same routes, status codes, JSON shapes, error codes and messages (the upload API's messages
in the HTTP reason phrase). ``research/PROTOCOLS.md`` §2 and §3 list them. It trusts one
issuer, the sandbox's :class:`GitHubIssuer`, under GitHub's real issuer URL, and reads that
issuer's keys over HTTP as warehouse reads GitHub's. PEP 740 attestations are verified at
upload against the uploading publisher under a given Sigstore trusted root (the sandbox's
local Sigstore) and served back as provenance; without a trusted root they are refused, since
an index that took them unverified would prove nothing.
"""

from py_release.sandbox.warehouse.server import Warehouse
from py_release.sandbox.warehouse.state import TrustedPublisher

__all__ = ["TrustedPublisher", "Warehouse"]
