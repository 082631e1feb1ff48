# py-release as a container: `uses: docker://…` in a workflow, or `docker run` by hand.
# The same scripts/bootstrap as the composite action installs the same hash-pinned lock.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies first, so that code changes do not reinstall them.
COPY requirements/ /action/requirements/
COPY scripts/bootstrap scripts/bootstrap.py /action/scripts/
RUN /action/scripts/bootstrap --venv /opt/py-release

COPY . /action

# No USER: GitHub runs container actions as root so they can write to the mounted workspace.
ENTRYPOINT ["/opt/py-release/bin/python", "/action/entrypoint.py"]
