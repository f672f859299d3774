"""The long-lived API's AWS resources, created in moto's server from what the program
registered under mocks: the emulator takes each definition as AWS's API would receive it
(ECR repository, certificate, load balancer with its listeners and target group, roles,
cluster, task definition, service wired to the target group, scalable target and both
scaling policies). The image is Docker's to build and push; DNS records and the certificate's
validation are Route 53's and ACM's (moto issues no certificate through DNS)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from deploy_mocks import Registered

REGION = "us-east-1"


def pascal(value: Any) -> Any:
    """A Pulumi input (camelCase keys) as an AWS API shape (PascalCase keys)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _of(resources: list[Registered], typ: str, name: str) -> Registered:
    (found,) = [r for r in resources if r.type == typ and r.name == name]
    return found


def create_service(url: str, resources: list[Registered], stage: str) -> dict[str, Any]:
    """Create the service's resources in moto at ``url``; returns what moto then describes."""
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=url, region_name=REGION)

    ec2, elb, ecs, iam = client("ec2"), client("elbv2"), client("ecs"), client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone=f"{REGION}{z}")
               ["Subnet"]["SubnetId"] for c, z in (("10.80.0.0/20", "a"), ("10.80.16.0/20", "b"))]
    groups = {}
    for name in ("api-alb-sg", "api-task-sg"):
        sg = _of(resources, "aws:ec2/securityGroup:SecurityGroup", name)
        groups[sg.id] = ec2.create_security_group(
            GroupName=name, Description=sg.inputs["description"], VpcId=vpc)["GroupId"]
    for name in ("api-alb-sg", "api-task-sg"):
        sg = _of(resources, "aws:ec2/securityGroup:SecurityGroup", name)
        ec2.authorize_security_group_ingress(GroupId=groups[sg.id], IpPermissions=[{
            "IpProtocol": rule["protocol"], "FromPort": int(rule["fromPort"]),
            "ToPort": int(rule["toPort"]),
            "IpRanges": [{"CidrIp": c} for c in rule.get("cidrBlocks", [])],
            "UserIdGroupPairs": [{"GroupId": groups[g]} for g in rule.get("securityGroups", [])],
        } for rule in sg.inputs["ingress"]])

    repo = _of(resources, "aws:ecr/repository:Repository", "api-image-repo")
    client("ecr").create_repository(repositoryName=repo.inputs["name"])
    cert = _of(resources, "aws:acm/certificate:Certificate", "api-domain-cert")
    cert_arn = client("acm").request_certificate(
        DomainName=cert.inputs["domainName"],
        ValidationMethod=cert.inputs["validationMethod"])["CertificateArn"]

    alb = _of(resources, "aws:lb/loadBalancer:LoadBalancer", "api-alb")
    alb_arn = elb.create_load_balancer(
        Name=f"{stage}-api", Subnets=subnets, Type=alb.inputs["loadBalancerType"],
        SecurityGroups=[groups[g] for g in alb.inputs["securityGroups"]],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=alb_arn, Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": str(alb.inputs["idleTimeout"])},
        {"Key": "routing.http.xff_header_processing.mode",
         "Value": alb.inputs["xffHeaderProcessingMode"]},
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
    ])
    tg = _of(resources, "aws:lb/targetGroup:TargetGroup", "api-tg")
    tg_arn = elb.create_target_group(
        Name=f"{stage}-api", Port=int(tg.inputs["port"]), Protocol=tg.inputs["protocol"],
        VpcId=vpc, TargetType=tg.inputs["targetType"],
        HealthCheckPath=tg.inputs["healthCheck"]["path"],
        Matcher={"HttpCode": tg.inputs["healthCheck"]["matcher"]},
    )["TargetGroups"][0]["TargetGroupArn"]
    for name in ("api-https", "api-http"):
        listener = _of(resources, "aws:lb/listener:Listener", name)
        actions = pascal(listener.inputs["defaultActions"])
        for action in actions:
            if "TargetGroupArn" in action:
                action["TargetGroupArn"] = tg_arn
            if "Redirect" in action:
                action["RedirectConfig"] = action.pop("Redirect")
        extra = ({"Certificates": [{"CertificateArn": cert_arn}],
                  "SslPolicy": listener.inputs["sslPolicy"]}
                 if listener.inputs["protocol"] == "HTTPS" else {})
        elb.create_listener(LoadBalancerArn=alb_arn, Protocol=listener.inputs["protocol"],
                            Port=int(listener.inputs["port"]), DefaultActions=actions,
                            **extra)

    roles = {}
    for name in ("api-execution-role", "api-task-role"):
        role = _of(resources, "aws:iam/role:Role", name)
        arn = iam.create_role(RoleName=f"{stage}-{name}",
                              AssumeRolePolicyDocument=role.inputs["assumeRolePolicy"])
        roles[role.state["arn"]] = arn["Role"]["Arn"]
        policy = next(p for p in resources if p.type == "aws:iam/rolePolicy:RolePolicy"
                      and p.inputs["role"] == role.id)
        iam.put_role_policy(RoleName=f"{stage}-{name}", PolicyName="inline",
                            PolicyDocument=policy.inputs["policy"])

    cluster = _of(resources, "aws:ecs/cluster:Cluster", "api-cluster")
    ecs.create_cluster(clusterName=cluster.inputs["name"])
    task = _of(resources, "aws:ecs/taskDefinition:TaskDefinition", "api-task")
    task_arn = ecs.register_task_definition(
        family=task.inputs["family"], networkMode=task.inputs["networkMode"],
        requiresCompatibilities=task.inputs["requiresCompatibilities"],
        cpu=task.inputs["cpu"], memory=task.inputs["memory"],
        runtimePlatform=task.inputs["runtimePlatform"],
        executionRoleArn=roles[task.inputs["executionRoleArn"]],
        taskRoleArn=roles[task.inputs["taskRoleArn"]],
        containerDefinitions=json.loads(task.inputs["containerDefinitions"]),
    )["taskDefinition"]["taskDefinitionArn"]
    service = _of(resources, "aws:ecs/service:Service", "api-service")
    network = service.inputs["networkConfiguration"]
    ecs.create_service(
        cluster=cluster.inputs["name"], serviceName=service.inputs["name"],
        taskDefinition=task_arn, desiredCount=int(service.inputs["desiredCount"]),
        launchType=service.inputs["launchType"],
        loadBalancers=[{**lb, "targetGroupArn": tg_arn, "containerPort": int(lb["containerPort"])}
                       for lb in service.inputs["loadBalancers"]],
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": [groups[g] for g in network["securityGroups"]],
            "assignPublicIp": "ENABLED" if network["assignPublicIp"] else "DISABLED"}},
        deploymentConfiguration={
            "deploymentCircuitBreaker": service.inputs["deploymentCircuitBreaker"],
            "minimumHealthyPercent": int(service.inputs["deploymentMinimumHealthyPercent"]),
            "maximumPercent": int(service.inputs["deploymentMaximumPercent"])},
    )

    scaling = client("application-autoscaling")
    target = _of(resources, "aws:appautoscaling/target:Target", "api-scaling")
    scaling.register_scalable_target(
        ServiceNamespace=target.inputs["serviceNamespace"],
        ResourceId=target.inputs["resourceId"],
        ScalableDimension=target.inputs["scalableDimension"],
        MinCapacity=int(target.inputs["minCapacity"]),
        MaxCapacity=int(target.inputs["maxCapacity"]))
    for name in ("api-cpu", "api-concurrency"):
        policy = _of(resources, "aws:appautoscaling/policy:Policy", name)
        tracking = pascal(policy.inputs["targetTrackingScalingPolicyConfiguration"])
        for cooldown in ("ScaleInCooldown", "ScaleOutCooldown"):
            tracking[cooldown] = int(tracking[cooldown])
        scaling.put_scaling_policy(
            PolicyName=name, ServiceNamespace=policy.inputs["serviceNamespace"],
            ResourceId=policy.inputs["resourceId"],
            ScalableDimension=policy.inputs["scalableDimension"],
            PolicyType=policy.inputs["policyType"],
            TargetTrackingScalingPolicyConfiguration=tracking)

    return {
        "service": ecs.describe_services(cluster=cluster.inputs["name"],
                                         services=[service.inputs["name"]])["services"][0],
        "task": ecs.describe_task_definition(taskDefinition=task_arn)["taskDefinition"],
        "listeners": elb.describe_listeners(LoadBalancerArn=alb_arn)["Listeners"],
        "attributes": {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(
            LoadBalancerArn=alb_arn)["Attributes"]},
        "policies": scaling.describe_scaling_policies(
            ServiceNamespace="ecs")["ScalingPolicies"],
        "task_role_policy": json.loads(json.dumps(iam.get_role_policy(
            RoleName=f"{stage}-api-task-role", PolicyName="inline")["PolicyDocument"])),
        "repositories": [r["repositoryName"] for r in client("ecr").describe_repositories()
                         ["repositories"]],
        "certificate": cert_arn,
        "target_group": tg_arn,
    }
