"""The stage's settings, read once from ``Pulumi.<stage>.yaml`` (namespace ``openbrain``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pulumi
import pulumi_aws as aws

from deploy.artifacts import DEFAULT_BUILD_DIR

REPO_ROOT = Path(__file__).resolve().parent.parent

# AWS Lambda Web Adapter, published by AWS (awslabs/aws-lambda-web-adapter) as a public layer:
# it runs the Litestar app as a normal HTTP server and streams its responses (SSE).
WEB_ADAPTER_ACCOUNT = "753240598075"
WEB_ADAPTER_LAYER_VERSION = 26
COMPUTE_OPTIONS = ("lambda", "ecs")
Compute = Literal["lambda", "ecs"]


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """The API as a long-lived service (``apiCompute: ecs``): ECS on Fargate behind an ALB
    with HTTPS (docs/deploy.md, "Long-lived compute"; docs/scale.md says when it pays)."""

    domain: str
    """The API's host name; an ACM certificate for it is validated through ``hosted_zone_id``,
    which also gets its alias record."""
    hosted_zone_id: str
    cpu: int
    """Task vCPU units (1024 = one vCPU, Graviton)."""
    memory_mb: int
    min_tasks: int
    max_tasks: int
    cpu_target: int
    """Average CPU (percent) autoscaling keeps the tasks at."""
    concurrency_target: int
    """In-flight requests per task autoscaling keeps the tasks at (most wait on the LLM)."""


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """Every knob of a stage. Secrets stay ``pulumi.Output`` so they are never printed."""

    stage: str
    production: bool
    """Prod: deletion protection, ``protect`` and ``retain_on_delete`` on stateful resources."""
    tenants_dir: Path
    build_dir: Path
    """Where scripts/build-lambda.sh wrote the code archive and the layer; never built here."""
    web_adapter_layer_arn: str | None
    log_level: str
    log_retention_days: int
    session_ttl_days: int
    llm_base_url: str | None
    llm_api_key: pulumi.Output[str] | None
    jwt_secret: pulumi.Output[str]
    api_memory_mb: int
    api_timeout_seconds: int
    worker_timeout_seconds: int
    sweep_schedule: str
    alarm_email: str
    """Where the alert topic sends alarms (required: an alarm nobody receives is no alarm)."""
    allowed_account_ids: list[str]
    """The AWS accounts this stack may deploy to (the provider refuses any other)."""
    auth_domain_prefix: str | None
    dashboard_image_tag: str | None
    """Tag in the stage's dashboard ECR repository; unset: the backend service runs no task."""
    dashboard_site_dir: Path
    dashboard_vpc_id: str | None
    dashboard_subnet_ids: list[str] | None
    api_compute: Compute = "lambda"
    """Where the API runs: ``lambda`` (a Function URL, for small stages) or ``ecs``."""
    api_service: ServiceConfig | None = None
    """Set exactly when ``api_compute`` is ``ecs``."""

    @property
    def tags(self) -> dict[str, str]:
        """Tags on every resource of the stage (the provider's default tags)."""
        return {"project": "openbrain", "stage": self.stage, "managed-by": "pulumi"}


def _path(value: str | None, default: Path) -> Path:
    if not value:
        return default
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path


def load_stage_config() -> StageConfig:
    cfg = pulumi.Config("openbrain")
    stage = cfg.get("stage") or pulumi.get_stack()
    subnets = cfg.get_object("dashboardSubnetIds")
    if bool(cfg.get("dashboardVpcId")) != bool(subnets):
        raise pulumi.RunError(
            "set both openbrain:dashboardVpcId and dashboardSubnetIds, or neither"
        )
    alarm_email = cfg.get("alarmEmail")
    if not alarm_email:
        raise pulumi.RunError(
            "set openbrain:alarmEmail (`pulumi config set openbrain:alarmEmail ops@...`): the "
            "stage's alarms are sent there"
        )
    accounts = cfg.get_object("allowedAccountIds")
    if not isinstance(accounts, list) or not accounts:
        raise pulumi.RunError(
            "set openbrain:allowedAccountIds to the account(s) this stack deploys to "
            "(`pulumi config set --path 'openbrain:allowedAccountIds[0]' 123456789012`)"
        )
    compute = cfg.get("apiCompute") or "lambda"
    if compute not in COMPUTE_OPTIONS:
        raise pulumi.RunError(
            f"openbrain:apiCompute is {compute!r}: choose one of {', '.join(COMPUTE_OPTIONS)}"
        )
    return StageConfig(
        api_compute="ecs" if compute == "ecs" else "lambda",
        api_service=_service_config(cfg) if compute == "ecs" else None,
        stage=stage,
        production=cfg.get_bool("production") or False,
        tenants_dir=_path(cfg.get("tenantsDir"), REPO_ROOT / "tenants"),
        build_dir=_path(cfg.get("buildDir"), DEFAULT_BUILD_DIR),
        web_adapter_layer_arn=cfg.get("webAdapterLayerArn"),
        log_level=cfg.get("logLevel") or "INFO",
        log_retention_days=cfg.get_int("logRetentionDays") or 30,
        session_ttl_days=cfg.get_int("sessionTtlDays") or 90,
        llm_base_url=cfg.get("llmBaseUrl"),
        llm_api_key=cfg.get_secret("llmApiKey"),
        jwt_secret=cfg.require_secret("jwtSecret"),
        api_memory_mb=cfg.get_int("apiMemoryMb") or 1024,
        api_timeout_seconds=cfg.get_int("apiTimeoutSeconds") or 120,
        worker_timeout_seconds=cfg.get_int("workerTimeoutSeconds") or 60,
        sweep_schedule=cfg.get("sweepSchedule") or "rate(5 minutes)",
        alarm_email=alarm_email,
        allowed_account_ids=[str(a) for a in accounts],
        auth_domain_prefix=cfg.get("authDomainPrefix"),
        dashboard_image_tag=cfg.get("dashboardImageTag"),
        dashboard_site_dir=_path(
            cfg.get("dashboardSiteDir"), REPO_ROOT / "admin_ui" / ".web" / "build" / "client"
        ),
        dashboard_vpc_id=cfg.get("dashboardVpcId"),
        dashboard_subnet_ids=[str(s) for s in subnets] if isinstance(subnets, list) else None,
    )


def _service_config(cfg: pulumi.Config) -> ServiceConfig:
    missing = [k for k in ("apiDomain", "apiHostedZoneId") if not cfg.get(k)]
    if missing:
        raise pulumi.RunError(
            f"openbrain:apiCompute ecs serves HTTPS on a domain: set openbrain:{missing[0]} "
            "(docs/deploy.md, 'Long-lived compute')"
        )
    service = ServiceConfig(
        domain=cfg.require("apiDomain"),
        hosted_zone_id=cfg.require("apiHostedZoneId"),
        cpu=cfg.get_int("apiTaskCpu") or 1024,
        memory_mb=cfg.get_int("apiTaskMemoryMb") or 2048,
        min_tasks=cfg.get_int("apiMinTasks") or 2,
        max_tasks=cfg.get_int("apiMaxTasks") or 20,
        cpu_target=cfg.get_int("apiCpuTarget") or 50,
        concurrency_target=cfg.get_int("apiConcurrencyTarget") or 450,
    )
    if not 1 <= service.min_tasks <= service.max_tasks:
        raise pulumi.RunError(
            f"openbrain:apiMinTasks ({service.min_tasks}) must be at least 1 and at most "
            f"openbrain:apiMaxTasks ({service.max_tasks})"
        )
    if not 10 <= service.cpu_target <= 90:
        raise pulumi.RunError(
            f"openbrain:apiCpuTarget is {service.cpu_target}: a percentage between 10 and 90"
        )
    return service


def stage_provider(config: StageConfig) -> aws.Provider:
    """The AWS provider of the stage: it refuses any account but the allowed ones (before it
    creates anything) and tags every resource it creates with :attr:`StageConfig.tags`."""
    return aws.Provider(
        "aws-stage",
        region=aws.config.region,
        allowed_account_ids=config.allowed_account_ids,
        default_tags={"tags": config.tags},
    )


def web_adapter_layer_arn(config: StageConfig, region: str) -> str:
    """The configured adapter layer, or AWS's public x86_64 layer in the stage's region."""
    if config.web_adapter_layer_arn:
        return config.web_adapter_layer_arn
    return (
        f"arn:aws:lambda:{region}:{WEB_ADAPTER_ACCOUNT}:layer:"
        f"LambdaAdapterLayerX86:{WEB_ADAPTER_LAYER_VERSION}"
    )
