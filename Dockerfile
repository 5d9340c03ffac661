# syntax=docker/dockerfile:1
# The CRM's image (docs/deploy.md). Two stages: the first builds the CRM's wheel once and
# collects the wheels of its dependencies; the second installs only those wheels into a
# slim Python with no compiler, and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY crm ./crm
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    CRM_DATA_DIR=/data PORT=8000
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/crm-*.whl \
    && useradd --system --uid 10001 --home-dir /data --create-home crm
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/health\", timeout=4)"]
# Migrations run here only when CRM_MIGRATE_ON_START=true; otherwise `crm migrate` is the
# release step (as DATABASE_ADMIN_URL). With no DATABASE_URL the embedded PostgreSQL runs in /data.
CMD ["crm", "serve", "--host", "0.0.0.0"]
