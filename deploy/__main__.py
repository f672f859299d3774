"""Provision one OpenBrain stage from `Pulumi.<stage>.yaml` and the specs in `tenants/`."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.admin import Dashboard
from deploy.api import Api
from deploy.data import DataStore
from deploy.events import EventRouting
from deploy.identity import Identity
from deploy.packaging import LambdaArtifacts
from deploy.secrets import RuntimeSecrets
from deploy.stage import load_stage_config
from openbrain.tenancy import build_routing_plan, load_tenants

config = load_stage_config()
plan = build_routing_plan(load_tenants(config.tenants_dir), stage=config.stage)
region = aws.get_region_output().region
account_id = aws.get_caller_identity_output().account_id

data = DataStore("data", config)
secrets = RuntimeSecrets("secrets", config)
artifacts = LambdaArtifacts("artifacts", config)
events = EventRouting(
    "events",
    config=config,
    plan=plan,
    data=data,
    artifacts=artifacts,
    region=region,
)
dashboard = Dashboard("dashboard", config=config)
identity = Identity(
    "identity", config=config, dashboard_url=dashboard.url, region=region, account_id=account_id
)
api = Api(
    "api",
    config=config,
    data=data,
    events=events,
    secrets=secrets,
    identity=identity,
    artifacts=artifacts,
    region=region,
)
dashboard.run_backend(api_url=api.api_url, identity=identity)

pulumi.export("api_url", api.api_url)
pulumi.export("widget_url", api.widget_url)
pulumi.export("dashboard_url", dashboard.url)
pulumi.export("table_name", data.table.name)
pulumi.export("bus_name", events.bus.name)
pulumi.export("user_pool_id", identity.pool.id)
pulumi.export("user_pool_client_id", identity.client.id)
pulumi.export("dashboard_repository", dashboard.repository.repository_url)
pulumi.export("alerts_topic_arn", events.alerts.arn)
