"""One Lambda function with its own log group, least-privilege role, X-Ray tracing and alarms."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from deploy.alarms import function_alarms
from deploy.artifacts import ARCHITECTURE, PYTHON_RUNTIME
from deploy.iam import ServiceRole, Statement, log_statement, xray_statement
from deploy.packaging import LambdaArtifacts
from deploy.stage import StageConfig


def secret_arns_env(secrets: Mapping[str, aws.secretsmanager.Secret]) -> pulumi.Output[str]:
    """``OB_SECRET_ARNS``: environment variable name -> secret ARN (values are read at start)."""
    arns = {env: secret.arn for env, secret in secrets.items()}
    return pulumi.Output.from_input(arns).apply(lambda m: json.dumps(m, sort_keys=True))


class ServiceFunction(pulumi.ComponentResource):
    """A Python function from the project's code archive and dependency layer.

    Its role gets the log statement for its own log group plus exactly ``statements``; reading
    the secrets it is handed is added here, so a function can only read the secrets it loads.
    Tracing is active (the role may send its segments to X-Ray), and its errors and throttles
    alarm on ``alerts``.
    """

    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        artifacts: LambdaArtifacts,
        handler: str,
        alerts: aws.sns.Topic,
        statements: Sequence[Statement],
        environment: Mapping[str, pulumi.Input[str]],
        secrets: Mapping[str, aws.secretsmanager.Secret],
        timeout: int,
        memory_size: int = 512,
        extra_layers: Sequence[pulumi.Input[str]] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:ServiceFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_name = f"openbrain-{config.stage}-{name}"
        self.function_name = function_name
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=config.log_retention_days,
            opts=child,
        )
        all_statements = [log_statement(self.log_group.arn), *statements, xray_statement()]
        if secrets:
            all_statements.append(
                Statement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[s.arn for s in secrets.values()],
                )
            )
        self.role = ServiceRole(
            name, service="lambda.amazonaws.com", statements=all_statements, opts=child
        )
        variables: dict[str, pulumi.Input[str]] = {**environment}
        if secrets:
            variables["OB_SECRET_ARNS"] = secret_arns_env(secrets)
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            runtime=PYTHON_RUNTIME,
            architectures=[ARCHITECTURE],
            handler=handler,
            role=self.role.role.arn,
            s3_bucket=artifacts.bucket.id,
            s3_key=artifacts.code_key,
            layers=[artifacts.dependencies.arn, *extra_layers],
            timeout=timeout,
            memory_size=memory_size,
            environment={"variables": variables},
            logging_config={"log_format": "Text", "log_group": self.log_group.name},
            tracing_config={"mode": "Active"},
            # The role's policy must exist before the function (and its triggers) use it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role.policy, self.log_group]),
        )
        self.alarms = function_alarms(name, function_name, topic=alerts, parent=self)
        self.register_outputs({"function_arn": self.function.arn})


def runtime_environment(
    config: StageConfig, *, table_name: pulumi.Input[str], bus_name: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """The environment every function shares (``openbrain.settings`` reads it)."""
    env: dict[str, pulumi.Input[str]] = {
        "OB_STAGE": config.stage,
        "OB_AWS_MODE": "1",
        "OB_STORE": pulumi.Output.from_input(table_name).apply(lambda t: f"dynamodb://{t}"),
        "OB_TABLE_NAME": table_name,
        "OB_EVENT_BUS": bus_name,
        "OB_TENANTS_DIR": "/var/task/tenants",
        "OB_SESSION_TTL_DAYS": str(config.session_ttl_days),
        "OB_LOG_LEVEL": config.log_level,
        "OB_LOG_JSON": "1",
    }
    if config.llm_base_url:
        env["OPENAI_BASE_URL"] = config.llm_base_url
    return env
