# The one image for web, worker, beat and the migrate step (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/srv/var

WORKDIR /srv/app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
# Static files and compiled translations are part of the image; SECRET_KEY here only satisfies the
# settings during the build and is never used at run time.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py compile_translations \
 && DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home /srv community && mkdir -p /srv/var/media && chown -R community /srv/var
USER community

EXPOSE 8000
CMD ["gunicorn", "community.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
