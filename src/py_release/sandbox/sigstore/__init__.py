"""A local Sigstore for the release sandbox: a Fulcio, a Rekor v1 log and the trust
configuration naming them, so that the real, unchanged ``sigstore`` and ``pypi-attestations``
signing code runs offline against them, and a verifier given :attr:`LocalSigstore.trusted_root`
checks what they made exactly as it checks the public-good instance's material.

Nothing here is trusted by the production verifier: the keys are made per run.
"""

from py_release.sandbox.sigstore.server import LocalSigstore

__all__ = ["LocalSigstore"]
