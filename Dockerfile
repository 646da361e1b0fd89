# Paved: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PAVED_VAR_DIR=/var/lib/paved \
    PAVED_STATIC_ROOT=/app/staticfiles

# git for the built-in git host and scaffolder; nothing else is needed at run time. The data volume
# holds the keys, workspaces and docs caches, so only its catalog/ folder is a file root (with /app/demo).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 paved \
    && mkdir -p /var/lib/paved/catalog \
    && chown -R paved:paved /var/lib/paved \
    && chmod 700 /var/lib/paved

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
RUN PAVED_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

USER paved
VOLUME ["/var/lib/paved"]
EXPOSE 8000
ENTRYPOINT ["bin/docker-entrypoint"]
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
