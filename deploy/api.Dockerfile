# The API as a long-lived async service (ECS on Fargate, Graviton): `apiCompute: ecs`.
# The Pulumi program builds it at `pulumi up` for linux/arm64 (deploy/image.py), from the
# repository root, with the stage's tenant specs as the named build context "tenants":
#   docker buildx build -f deploy/api.Dockerfile --platform linux/arm64 \
#     --build-context tenants=tenants .
# The image runs the same wheel `uv build` makes (tests/packaging), pinned to uv.lock.
FROM python:3.11-slim AS wheel
COPY --from=ghcr.io/astral-sh/uv:0.8 /uv /usr/local/bin/uv
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY platform platform
COPY tenants tenants
RUN uv build --wheel --out-dir /dist \
 && uv export --frozen --no-default-groups --no-emit-project -o /dist/requirements.txt

FROM python:3.11-slim
COPY --from=wheel /usr/local/bin/uv /usr/local/bin/uv
RUN --mount=type=bind,from=wheel,source=/dist,target=/dist \
    uv pip install --system --no-cache --require-hashes -r /dist/requirements.txt \
 && uv pip install --system --no-cache --no-deps /dist/openbrain-*.whl \
 && rm /usr/local/bin/uv \
 && useradd --system --no-create-home openbrain
COPY --from=tenants *.toml /app/tenants/
ENV OB_TENANTS_DIR=/app/tenants PYTHONUNBUFFERED=1
USER openbrain
EXPOSE 8080
# uvicorn's own server, one process: a turn waits on the LLM in a thread, so one vCPU holds
# hundreds of waiting turns. The ALB replaces X-Forwarded-For with the client's address
# (deploy/service.py), so trusting it from any peer is safe: only the ALB reaches the task.
CMD ["uvicorn", "--factory", "openbrain.api.app:app_from_environment", "--host", "0.0.0.0", "--port", "8080", "--no-access-log", "--proxy-headers", "--forwarded-allow-ips", "*", "--timeout-keep-alive", "75", "--timeout-graceful-shutdown", "30"]
