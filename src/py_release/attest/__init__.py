"""PEP 740 attestations: signing with Sigstore, and verifying against a publisher."""
