"""The API's HTTPS name for long-lived compute: an ACM certificate validated by DNS in the
stage's hosted zone, and the name's alias record to the load balancer."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.stage import ServiceConfig


class ApiDomain(pulumi.ComponentResource):
    def __init__(
        self, name: str, *, service: ServiceConfig, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("openbrain:deploy:ApiDomain", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.certificate = aws.acm.Certificate(
            f"{name}-cert", domain_name=service.domain, validation_method="DNS", opts=child
        )
        option = self.certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-cert-validation",
            zone_id=service.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=child,
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-cert-ready",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=child,
        )
        self.certificate_arn = validation.certificate_arn
        """Resolves once ACM has issued the certificate: a listener never waits on a pending one."""
        self.url = f"https://{service.domain}"
        self.register_outputs({"certificate_arn": self.certificate_arn})

    def point_at(self, name: str, service: ServiceConfig, alb: aws.lb.LoadBalancer) -> None:
        """The API's name, an alias of the load balancer (no TTL, no charge per query)."""
        aws.route53.Record(
            f"{name}-alias",
            zone_id=service.hosted_zone_id,
            name=service.domain,
            type="A",
            aliases=[
                {"name": alb.dns_name, "zone_id": alb.zone_id, "evaluate_target_health": True}
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
