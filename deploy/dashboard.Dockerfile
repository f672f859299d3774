# The admin dashboard's backend (Reflex, backend only; CloudFront serves the exported frontend).
# Build from the repository root:
#   docker build -f deploy/dashboard.Dockerfile -t openbrain-dashboard .
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.8 /uv /usr/local/bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY platform platform
COPY admin_ui admin_ui
RUN uv sync --frozen --no-default-groups --group admin
ENV REFLEX_TELEMETRY_ENABLED=false PATH="/app/.venv/bin:$PATH"
WORKDIR /app/admin_ui
EXPOSE 8000
CMD ["reflex", "run", "--env", "prod", "--backend-only"]
