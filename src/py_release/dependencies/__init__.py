"""The audit stage: the release's declared dependencies and the action's own, checked against
known vulnerabilities before anything is signed or uploaded."""
