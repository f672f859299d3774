"""The API as a long-lived async service (``apiCompute: ecs``): ECS on Fargate (Graviton)
behind an Application Load Balancer with HTTPS, autoscaled on CPU and concurrent requests.

Why (docs/scale.md): on Lambda every turn holds an execution environment for the whole LLM
call and is billed for the wait; one uvicorn process on one vCPU keeps hundreds of turns
waiting at once. Responses stream as they do locally: the ALB passes chunked SSE through, and
its idle timeout outlasts a turn. Event consumers stay on Lambda (deploy/events.py).

Least privilege: the task role may do exactly what the API's code does (the Lambda API's
statements, :func:`deploy.api.api_statements`); pulling the image, writing logs and reading
the two secrets ECS injects as environment variables belong to the execution role, which
the code never holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from deploy.api import api_environment, api_secrets, api_statements
from deploy.autoscaling import autoscale
from deploy.data import DataStore
from deploy.events import EventRouting
from deploy.iam import ServiceRole, Statement, log_statement
from deploy.identity import Identity
from deploy.image import ApiImage
from deploy.network import ANYWHERE_OUT, Network, behind_alb
from deploy.secrets import RuntimeSecrets
from deploy.stage import StageConfig
from deploy.tls import ApiDomain

PORT = 8080
CONTAINER = "api"
TENANTS_DIR = "/app/tenants"  # where deploy/api.Dockerfile puts the stage's specs
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
THREADS_PER_TARGET = 2
"""Worker threads per task over its concurrency target (OB_TURN_THREADS): room for bursts
before autoscaling reacts."""
STOP_TIMEOUT = 120  # Fargate's maximum: in-flight turns finish before a task stops


def container_definitions(
    *,
    image: str,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    log_group: str,
    region: str,
) -> str:
    """The task's one container; ``secrets`` maps a variable to its secret's ARN (ECS reads
    the value at start, so no value is in the definition)."""
    return json.dumps(
        [
            {
                "name": CONTAINER,
                "image": image,
                "essential": True,
                "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
                "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
                "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
                "stopTimeout": STOP_TIMEOUT,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": CONTAINER,
                    },
                },
            }
        ],
        sort_keys=True,
    )


class ApiService(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        data: DataStore,
        events: EventRouting,
        secrets: RuntimeSecrets,
        identity: Identity,
        network: Network,
        region: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:ApiService", name, None, opts)
        if config.api_service is None:
            raise ValueError("ApiService needs the stage's api_service settings")
        service = config.api_service
        child = pulumi.ResourceOptions(parent=self)
        self.image = ApiImage(f"{name}-image", config=config, opts=child)
        domain = ApiDomain(f"{name}-domain", service=service, opts=child)
        self._balancer(name, config, network, domain)
        domain.point_at(name, service, self.alb)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/openbrain/{config.stage}/api",
            retention_in_days=config.log_retention_days,
            opts=child,
        )
        loaded = api_secrets(secrets)
        execution = ServiceRole(
            f"{name}-execution",
            service="ecs-tasks.amazonaws.com",
            statements=[
                log_statement(self.log_group.arn),
                Statement(
                    actions=[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    resources=[self.image.repository.arn],
                ),
                # GetAuthorizationToken has no resource-level permissions in AWS.
                Statement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                Statement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[s.arn for s in loaded.values()],
                ),
            ],
            opts=child,
        )
        self.task_role = ServiceRole(
            f"{name}-task",
            service="ecs-tasks.amazonaws.com",
            statements=api_statements(data=data, events=events, region=region),
            opts=child,
        )
        env = api_environment(config, data=data, events=events, identity=identity)
        env["OB_TENANTS_DIR"] = TENANTS_DIR
        env["OB_TURN_THREADS"] = str(THREADS_PER_TARGET * service.concurrency_target)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster", name=f"openbrain-{config.stage}-api", opts=child
        )
        self.task = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"openbrain-{config.stage}-api",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(service.cpu),
            memory=str(service.memory_mb),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "ARM64"},
            execution_role_arn=execution.role.arn,
            task_role_arn=self.task_role.role.arn,
            container_definitions=pulumi.Output.all(
                self.image.ref,
                pulumi.Output.from_input(env),
                pulumi.Output.from_input({k: s.arn for k, s in loaded.items()}),
                self.log_group.name,
                region,
            ).apply(
                lambda v: container_definitions(
                    image=v[0], environment=v[1], secrets=v[2], log_group=v[3], region=v[4]
                )
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[execution.policy, self.task_role.policy]
            ),
        )
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=f"openbrain-{config.stage}-api",
            cluster=self.cluster.arn,
            task_definition=self.task.arn,
            launch_type="FARGATE",
            desired_count=service.min_tasks,
            # Public subnets, no NAT gateway (as the dashboard's): the task group admits the ALB.
            network_configuration={
                "subnets": network.subnet_ids,
                "security_groups": [self.task_sg.id],
                "assign_public_ip": True,
            },
            load_balancers=[
                {
                    "target_group_arn": self.target_group.arn,
                    "container_name": CONTAINER,
                    "container_port": PORT,
                }
            ],
            health_check_grace_period_seconds=30,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            # Autoscaling owns the count once the service exists.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.https], ignore_changes=["desiredCount"]
            ),
        )
        self.scaling = autoscale(
            name,
            service=service,
            cluster=self.cluster,
            ecs_service=self.service,
            alb=self.alb,
            target_group=self.target_group,
            parent=self,
        )
        self.api_url = pulumi.Output.from_input(domain.url)
        self.widget_url = pulumi.Output.from_input(f"{domain.url}/widget.js")
        self.register_outputs({"api_url": self.api_url, "widget_url": self.widget_url})

    def _balancer(
        self, name: str, config: StageConfig, network: Network, domain: ApiDomain
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        self.alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=network.vpc_id,
            description="API load balancer: HTTPS (and HTTP, redirected) from anywhere",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=p,
                    to_port=p,
                    cidr_blocks=["0.0.0.0/0"],
                    ipv6_cidr_blocks=["::/0"],
                )
                for p in (443, 80)
            ],
            egress=ANYWHERE_OUT,
            opts=child,
        )
        self.task_sg = behind_alb(f"{name}-task-sg", vpc_id=network.vpc_id, port=PORT,
                                  alb_sg=self.alb_sg, description="API tasks: from their ALB only",
                                  opts=child)
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            security_groups=[self.alb_sg.id],
            subnets=network.subnet_ids,
            # A streamed turn may send nothing while a tool runs: outlast the longest request.
            idle_timeout=config.api_timeout_seconds + 30,
            # The task trusts X-Forwarded-For (per-address rate limits): the ALB writes it
            # anew with the client's address, so a client cannot choose its own.
            xff_header_processing_mode="replace",
            drop_invalid_header_fields=True,
            enable_deletion_protection=config.production,
            opts=child,
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            port=PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=network.vpc_id,
            health_check={
                "path": "/healthz",
                "matcher": "200",
                "interval": 15,
                "healthy_threshold": 2,
            },
            # A stopping task keeps serving its in-flight turns this long.
            deregistration_delay=config.api_timeout_seconds,
            opts=child,
        )
        self.https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=domain.certificate_arn,
            default_actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=self.alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                {
                    "type": "redirect",
                    "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
                }
            ],
            opts=child,
        )
