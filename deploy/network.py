"""The dashboard backend's network: the configured VPC and subnets, or one the stage creates
(two public subnets in two availability zones), so no default VPC is needed."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.stage import StageConfig

VPC_CIDR = "10.80.0.0/16"
SUBNET_CIDRS = ("10.80.0.0/20", "10.80.16.0/20")
"""An ALB needs subnets in two availability zones."""


ANYWHERE_OUT: list[aws.ec2.SecurityGroupEgressArgsDict] = [
    {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}
]
"""Egress of a service's load balancer and tasks (DynamoDB, EventBridge, Secrets Manager, ECR,
the LLM endpoint, the tasks behind the ALB)."""


def behind_alb(
    name: str, *, vpc_id: pulumi.Input[str], port: int, alb_sg: aws.ec2.SecurityGroup,
    description: str, opts: pulumi.ResourceOptions,
) -> aws.ec2.SecurityGroup:
    """The security group of tasks that take traffic on ``port`` from their ALB only."""
    return aws.ec2.SecurityGroup(
        name,
        vpc_id=vpc_id,
        description=description,
        ingress=[{"protocol": "tcp", "from_port": port, "to_port": port,
                  "security_groups": [alb_sg.id]}],
        egress=ANYWHERE_OUT,
        opts=opts,
    )


class Network(pulumi.ComponentResource):
    def __init__(
        self, name: str, *, config: StageConfig, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("openbrain:deploy:Network", name, None, opts)
        self.vpc_id: pulumi.Output[str]
        self.subnet_ids: pulumi.Output[list[str]]
        if config.dashboard_vpc_id and config.dashboard_subnet_ids:
            self.vpc_id = pulumi.Output.from_input(config.dashboard_vpc_id)
            self.subnet_ids = pulumi.Output.from_input(config.dashboard_subnet_ids)
        else:
            self._create(name, config)
        self.register_outputs({"vpc_id": self.vpc_id})

    def _create(self, name: str, config: StageConfig) -> None:
        child = pulumi.ResourceOptions(parent=self)
        tags = {"Name": f"openbrain-{config.stage}"}
        vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=VPC_CIDR, enable_dns_hostnames=True,
            enable_dns_support=True, tags=tags, opts=child,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child)
        routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags=tags,
            opts=child,
        )
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self)
        ).names
        subnets = []
        for i, cidr in enumerate(SUBNET_CIDRS):
            subnet = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zones[i],
                map_public_ip_on_launch=True,
                tags=tags,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}", subnet_id=subnet.id, route_table_id=routes.id, opts=child
            )
            subnets.append(subnet.id)
        self.vpc_id = vpc.id
        self.subnet_ids = pulumi.Output.all(*subnets)
