# Production image: the same settings module as the tests, driven by the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The app's user owns the data folder: a named volume mounted there starts as a copy of
# it (owner included), so beat can write its schedule and the embedder its model cache.
ENV DIGEST_DATA_DIR=/data
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 digest \
    && mkdir -p /data && chown digest:digest /data

WORKDIR /app
COPY pyproject.toml README.md ./
# CPU build of torch: the default wheel index would pull several GB of CUDA libraries.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install --no-cache-dir -e .
COPY . .
RUN DIGEST_ENV=production SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64) \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build/build \
    python manage.py collectstatic --noinput

USER digest
EXPOSE 8000
CMD ["gunicorn", "digest.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
