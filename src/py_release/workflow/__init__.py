"""GitHub workflow files: auditing them against the release security checklist."""
