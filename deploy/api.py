"""The Litestar API on Lambda, behind a Function URL with response streaming.

Why a Function URL and the Lambda Web Adapter (docs/deploy.md has the long form): the chat
streams tokens over SSE, and Lambda's Python runtime cannot stream a response by itself. The
adapter (an AWS-published layer, nothing downloaded at run time) runs the app unchanged under
uvicorn and streams through a Function URL in ``RESPONSE_STREAM`` mode. API Gateway REST would
buffer the stream, cap requests at 29 s by default and add cost, for features (usage plans,
authorizers) the app already implements per tenant.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.data import INDEX_NAME, DataStore
from deploy.events import EventRouting
from deploy.functions import ServiceFunction, runtime_environment
from deploy.iam import Statement, index_statement, kms_statement, table_statement
from deploy.identity import Identity
from deploy.packaging import LambdaArtifacts
from deploy.secrets import RuntimeSecrets
from deploy.stage import StageConfig, web_adapter_layer_arn

# What the API's code calls, as the stage rehearsal (tests/rehearsal) records it: usage
# counters are UpdateItem, erasure and route removal DeleteItem; the table is never described
# (the program owns it) and no code path issues a ConditionCheck.
API_TABLE_ACTIONS = ("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem")
ADAPTER_PORT = "8080"


def api_statements(
    *, data: DataStore, events: EventRouting, region: pulumi.Input[str]
) -> list[Statement]:
    """What the API's code may do, wherever it runs (a function's or a task's role)."""
    return [
        table_statement(data.table.arn, API_TABLE_ACTIONS),
        index_statement(data.table.arn, INDEX_NAME),
        kms_statement(data.key.arn, "dynamodb", region),
        Statement(actions=["events:PutEvents"], resources=[events.bus.arn]),
    ]


def api_environment(
    config: StageConfig, *, data: DataStore, events: EventRouting, identity: Identity
) -> dict[str, pulumi.Input[str]]:
    """The API's environment, wherever it runs."""
    env = runtime_environment(config, table_name=data.table.name, bus_name=events.bus.name)
    # Tenant admins' tokens from the Cognito pool (checked against its JWKS), beside
    # operators' local JWTs (HS256 with OB_JWT_SECRET, e.g. ``ob-admin token``).
    env["OB_COGNITO_USER_POOL_ID"] = identity.pool.id
    env["OB_COGNITO_CLIENT_ID"] = identity.client.id
    return env


def api_secrets(secrets: RuntimeSecrets) -> dict[str, aws.secretsmanager.Secret]:
    """Environment variable -> the secret the API reads into it at start."""
    loaded = {"OB_JWT_SECRET": secrets.jwt_secret}
    if secrets.llm_api_key is not None:
        loaded["OPENAI_API_KEY"] = secrets.llm_api_key
    return loaded


class Api(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        data: DataStore,
        events: EventRouting,
        secrets: RuntimeSecrets,
        identity: Identity,
        artifacts: LambdaArtifacts,
        region: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:Api", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        env = api_environment(config, data=data, events=events, identity=identity)
        env.update(
            {
                # Lambda Web Adapter: wrap the runtime, stream responses, wait for /healthz.
                "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
                "AWS_LWA_INVOKE_MODE": "response_stream",
                "AWS_LWA_PORT": ADAPTER_PORT,
                "AWS_LWA_READINESS_CHECK_PATH": "/healthz",
                # A session's live stream ends before the function's timeout would cut it
                # (an error, and an alarm); the widget and dashboard reconnect with
                # Last-Event-ID (docs/handoff.md).
                "OB_STREAM_MAX_SECONDS": str(max(config.api_timeout_seconds - 10, 5)),
            }
        )
        self.service = ServiceFunction(
            "api",
            config=config,
            artifacts=artifacts,
            handler="run.sh",
            alerts=events.alerts,
            statements=api_statements(data=data, events=events, region=region),
            environment=env,
            secrets=api_secrets(secrets),
            timeout=config.api_timeout_seconds,
            memory_size=config.api_memory_mb,
            extra_layers=[region.apply(lambda r: web_adapter_layer_arn(config, r))],
            opts=child,
        )
        function = self.service.function
        self.url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=function.name,
            # The app authenticates every request itself (API keys, widget tokens, JWTs) and
            # answers CORS per tenant's widget origins, so the URL adds neither.
            authorization_type="NONE",
            invoke_mode="RESPONSE_STREAM",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-public",
            action="lambda:InvokeFunctionUrl",
            function=function.name,
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )
        self.api_url = self.url.function_url
        self.widget_url = self.url.function_url.apply(lambda u: f"{u.rstrip('/')}/widget.js")
        self.register_outputs({"api_url": self.api_url, "widget_url": self.widget_url})
