"""Hosting of the Reflex admin dashboard: static frontend on S3 + CloudFront, backend on Fargate.

A Reflex app is two parts: a static frontend (``reflex export --frontend-only``) and a Python
backend that keeps each browser's UI state and talks to it over a WebSocket (``/_event``).
Lambda cannot hold WebSockets, so the backend runs as one small Fargate task behind an ALB that
only this stage's distribution reaches (CloudFront's prefix list, then a secret origin header
the listener checks); CloudFront serves both from one origin (no CORS, one URL). The
dashboard is a client of the HTTP API, so its task has no AWS permissions at all.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from deploy.iam import ServiceRole, Statement, log_statement
from deploy.identity import Identity
from deploy.network import ANYWHERE_OUT, Network, behind_alb
from deploy.stage import StageConfig

BACKEND_PORT = 8000
BACKEND_PATHS = ("/_event*", "/_upload*", "/ping", "/_health")
# AWS managed CloudFront policies (stable, documented ids).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
ORIGIN_HEADER = "X-OpenBrain-Origin"
"""CloudFront adds it to every request to the backend; the ALB forwards only those."""


def origin_secret(jwt_secret: pulumi.Output[str]) -> pulumi.Output[str]:
    """The origin header's value: derived from the stage's JWT secret (HMAC with a fixed
    label), so it needs no config of its own, rotates with it, and reveals nothing of it."""
    return pulumi.Output.secret(jwt_secret.apply(
        lambda key: hmac.new(key.encode(), b"openbrain-dashboard-origin", "sha256").hexdigest()
    ))


def site_files(site_dir: Path) -> list[tuple[str, Path]]:
    """``(key, file)`` of the exported frontend; empty until it has been exported."""
    if not site_dir.is_dir():
        return []
    return [
        (p.relative_to(site_dir).as_posix(), p) for p in sorted(site_dir.rglob("*")) if p.is_file()
    ]


class Dashboard(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        origin_secret: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:Dashboard", name, None, opts)
        self._name = name
        self._config = config
        child = pulumi.ResourceOptions(parent=self)
        self.site = aws.s3.Bucket(f"{name}-site", force_destroy=True, opts=child)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-site-public-access",
            bucket=self.site.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        files = site_files(config.dashboard_site_dir)
        if not files:
            pulumi.log.warn(
                f"no exported dashboard in {config.dashboard_site_dir}: the site bucket stays "
                "empty (see 'Dashboard' in docs/deploy.md)",
                resource=self,
            )
        for key, path in files:
            aws.s3.BucketObjectv2(
                f"{name}-site-{key}",
                bucket=self.site.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                opts=child,
            )

        network = Network(f"{name}-network", config=config, opts=child)
        self.network = network
        """The stage's VPC (the long-lived API's service runs in it too)."""
        vpc_id = network.vpc_id
        self.subnet_ids = network.subnet_ids
        cloudfront_only = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_PREFIX_LIST, opts=pulumi.InvokeOptions(parent=self)
        )
        self.alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=vpc_id,
            description="Dashboard ALB: HTTP from CloudFront only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 80,
                    "to_port": 80,
                    "prefix_list_ids": [cloudfront_only.id],
                }
            ],
            egress=ANYWHERE_OUT,
            opts=child,
        )
        self.task_sg = behind_alb(f"{name}-task-sg", vpc_id=vpc_id, port=BACKEND_PORT,
                                  alb_sg=self.alb_sg,
                                  description="Dashboard backend: from its ALB only", opts=child)
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            security_groups=[self.alb_sg.id],
            subnets=self.subnet_ids,
            idle_timeout=3600,  # long-lived WebSockets
            opts=child,
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            port=BACKEND_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=vpc_id,
            health_check={"path": "/ping", "matcher": "200"},
            opts=child,
        )
        # Only requests carrying the distribution's secret header reach the backend: the
        # prefix list admits every CloudFront distribution, this rule only ours.
        self.listener = aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=self.alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[{
                "type": "fixed-response",
                "fixed_response": {"content_type": "text/plain", "status_code": "403",
                                   "message_body": "Forbidden"},
            }],
            opts=child,
        )
        self.origin_rule = aws.lb.ListenerRule(
            f"{name}-from-cloudfront",
            listener_arn=self.listener.arn,
            priority=1,
            conditions=[{
                "http_header": {"http_header_name": ORIGIN_HEADER, "values": [origin_secret]}
            }],
            actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
            opts=child,
        )
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"openbrain-{config.stage}-dashboard",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        backend: dict[str, Any] = {
            "target_origin_id": "backend",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": CACHING_DISABLED,
            "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST,
            "compress": False,
        }
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=f"OpenBrain {config.stage} dashboard",
            default_root_object="index.html",
            price_class="PriceClass_100",
            origins=[
                {
                    "origin_id": "site",
                    "domain_name": self.site.bucket_regional_domain_name,
                    "origin_access_control_id": oac.id,
                },
                {
                    "origin_id": "backend",
                    "domain_name": self.alb.dns_name,
                    "custom_headers": [{"name": ORIGIN_HEADER, "value": origin_secret}],
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "http-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                },
            ],
            default_cache_behavior={
                "target_origin_id": "site",
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_OPTIMIZED,
                "compress": True,
            },
            ordered_cache_behaviors=[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(path_pattern=p, **backend)
                for p in BACKEND_PATHS
            ],
            custom_error_responses=[
                {"error_code": 403, "response_code": 404, "response_page_path": "/404.html"},
                {"error_code": 404, "response_code": 404, "response_page_path": "/404.html"},
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True},
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-site-policy",
            bucket=self.site.id,
            policy=pulumi.Output.all(self.site.arn, self.distribution.arn).apply(
                lambda arns: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudfront.amazonaws.com"},
                                "Action": "s3:GetObject",
                                "Resource": f"{arns[0]}/*",
                                "Condition": {"StringEquals": {"AWS:SourceArn": arns[1]}},
                            }
                        ],
                    },
                    sort_keys=True,
                )
            ),
            opts=child,
        )
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            name=f"openbrain-{config.stage}-dashboard",
            image_scanning_configuration={"scan_on_push": True},
            force_delete=not config.production,
            opts=child,
        )
        self.url = self.distribution.domain_name.apply(lambda d: f"https://{d}")

    def run_backend(self, *, api_url: pulumi.Input[str], identity: Identity) -> aws.ecs.Service:
        """The backend service; it runs no task until ``dashboardImageTag`` names a pushed image."""
        name, config = self._name, self._config
        child = pulumi.ResourceOptions(parent=self)
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/openbrain/{config.stage}/dashboard",
            retention_in_days=config.log_retention_days,
            opts=child,
        )
        execution = ServiceRole(
            f"{name}-execution",
            service="ecs-tasks.amazonaws.com",
            statements=[
                log_statement(logs.arn),
                Statement(
                    actions=[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    resources=[self.repository.arn],
                ),
                # GetAuthorizationToken has no resource-level permissions in AWS.
                Statement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            ],
            opts=child,
        )
        tag = config.dashboard_image_tag or "latest"
        container = pulumi.Output.all(
            self.repository.repository_url,
            api_url,
            identity.pool.id,
            identity.client.id,
            identity.hosted_ui_url,
            self.url,
            logs.name,
            aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region,
            identity.redirect_uri,
        ).apply(
            lambda v: json.dumps(
                [
                    {
                        "name": "dashboard",
                        "image": f"{v[0]}:{tag}",
                        "essential": True,
                        "portMappings": [{"containerPort": BACKEND_PORT, "protocol": "tcp"}],
                        "environment": [
                            {"name": "OB_API_URL", "value": v[1]},
                            {"name": "OB_COGNITO_USER_POOL_ID", "value": v[2]},
                            {"name": "OB_COGNITO_CLIENT_ID", "value": v[3]},
                            {"name": "OB_COGNITO_DOMAIN", "value": v[4]},
                            {"name": "OB_COGNITO_REDIRECT_URI", "value": v[8]},
                            # admin_ui/rxconfig.py: one port, all interfaces, public URL.
                            {"name": "OB_TUNER_PORT", "value": str(BACKEND_PORT)},
                            {"name": "OB_TUNER_HOST", "value": "0.0.0.0"},  # noqa: S104
                            {"name": "OB_TUNER_URL", "value": v[5]},
                            {"name": "OB_STAGE", "value": config.stage},
                        ],
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {
                                "awslogs-group": v[6],
                                "awslogs-region": v[7],
                                "awslogs-stream-prefix": "dashboard",
                            },
                        },
                    }
                ]
            )
        )
        cluster = aws.ecs.Cluster(f"{name}-cluster", name=f"openbrain-{config.stage}", opts=child)
        task = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"openbrain-{config.stage}-dashboard",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu="512",
            memory="1024",
            execution_role_arn=execution.role.arn,
            container_definitions=container,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[execution.policy]),
        )
        # One task: Reflex keeps each browser's state in the backend process's memory.
        return aws.ecs.Service(
            f"{name}-service",
            name=f"openbrain-{config.stage}-dashboard",
            cluster=cluster.arn,
            task_definition=task.arn,
            launch_type="FARGATE",
            desired_count=1 if config.dashboard_image_tag else 0,
            network_configuration={
                "subnets": self.subnet_ids,
                "security_groups": [self.task_sg.id],
                "assign_public_ip": True,
            },
            load_balancers=[
                {
                    "target_group_arn": self.target_group.arn,
                    "container_name": "dashboard",
                    "container_port": BACKEND_PORT,
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.origin_rule]),
        )
