"""Everything that talks to GitHub Actions: the run's context and the runner's commands."""
