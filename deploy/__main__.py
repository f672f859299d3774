"""Provision one OpenBrain stage from `Pulumi.<stage>.yaml` and the specs in `tenants/`."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.admin import Dashboard, origin_secret
from deploy.api import Api
from deploy.data import DataStore
from deploy.events import EventRouting
from deploy.identity import Identity
from deploy.outputs import stage_outputs
from deploy.packaging import LambdaArtifacts
from deploy.secrets import RuntimeSecrets
from deploy.service import ApiService
from deploy.stage import load_stage_config, stage_provider
from openbrain.tenancy import build_routing_plan, load_tenants

config = load_stage_config()
plan = build_routing_plan(load_tenants(config.tenants_dir), stage=config.stage)
# Every resource goes through the stage's provider: its allowed accounts and default tags.
provider = stage_provider(config)
on_stage = pulumi.ResourceOptions(providers=[provider])
invoke = pulumi.InvokeOptions(provider=provider)
region = aws.get_region_output(opts=invoke).region
account_id = aws.get_caller_identity_output(opts=invoke).account_id

data = DataStore("data", config, opts=on_stage)
secrets = RuntimeSecrets("secrets", config, opts=on_stage)
artifacts = LambdaArtifacts("artifacts", config, opts=on_stage)
events = EventRouting(
    "events",
    config=config,
    plan=plan,
    data=data,
    artifacts=artifacts,
    region=region,
    opts=on_stage,
)
dashboard = Dashboard(
    "dashboard", config=config, origin_secret=origin_secret(config.jwt_secret), opts=on_stage
)
identity = Identity(
    "identity",
    config=config,
    dashboard_url=dashboard.url,
    region=region,
    account_id=account_id,
    opts=on_stage,
)
# The API's compute, chosen per stage (docs/scale.md): Lambda, or a long-lived service.
api: Api | ApiService
if config.api_compute == "ecs":
    api = ApiService(
        "api",
        config=config,
        data=data,
        events=events,
        secrets=secrets,
        identity=identity,
        network=dashboard.network,
        region=region,
        opts=on_stage,
    )
else:
    api = Api(
        "api",
        config=config,
        data=data,
        events=events,
        secrets=secrets,
        identity=identity,
        artifacts=artifacts,
        region=region,
        opts=on_stage,
    )
dashboard.run_backend(api_url=api.api_url, identity=identity)

outputs = stage_outputs(api=api, dashboard=dashboard, identity=identity, events=events,
                        data=data)
for output_name, value in outputs.items():
    pulumi.export(output_name, value)
