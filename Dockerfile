# Suanbei production image: gunicorn serving Django; the same image runs the Celery worker and beat
# (see docker-compose.yml). Static files are collected at build time and served by WhiteNoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/data/media

# WeasyPrint needs Pango and HarfBuzz; the PDFs need CJK fonts, and an emoji font
# so that emoji typed in any field print (Noto CJK has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them
# (pyproject.toml declares no packages: installing it installs the dependencies only).
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

# Build-only placeholder settings: production.py refuses to import without them; nothing connects.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-placeholder-not-used-at-runtime-0000 \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --user-group --home-dir /app --no-create-home suanbei \
    && mkdir -p /data/media \
    && chown -R suanbei:suanbei /data
USER suanbei

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
