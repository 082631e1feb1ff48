# py-release as a container: `uses: docker://…` in a workflow, or `docker run` by hand.
# The same scripts/bootstrap as the composite action installs the same hash-pinned lock.
# The official image by default, pinned by digest (python:3.13-slim as published 2026-09;
# bump tag and digest together). CI builds on a Debian base made with debootstrap instead
# (--build-arg BASE_IMAGE=…), since Docker Hub is out of its reach: any image with Python 3.11+
# as python3 works.
ARG BASE_IMAGE=python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b
FROM ${BASE_IMAGE}

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
