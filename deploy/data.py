"""The single table (``pk``/``sk`` plus GSI ``gsi1``) and the customer key that encrypts it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.stage import StageConfig

INDEX_NAME = "gsi1"
TTL_ATTRIBUTE = "expiresAt"


class DataStore(pulumi.ComponentResource):
    """On-demand table with TTL, point-in-time recovery and SSE under a customer KMS key.

    On a production stage the table and key are protected (``pulumi destroy`` refuses), kept in
    AWS if removed from the program (``retain_on_delete``), and the table has deletion protection.
    """

    def __init__(self, name: str, config: StageConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openbrain:deploy:DataStore", name, None, opts)
        keep = pulumi.ResourceOptions(
            parent=self, protect=config.production, retain_on_delete=config.production
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"OpenBrain {config.stage}: table encryption",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/openbrain-{config.stage}-data",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            name=f"openbrain-{config.stage}",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attributes=[
                {"name": "pk", "type": "S"},
                {"name": "sk", "type": "S"},
                {"name": "gsi1pk", "type": "S"},
                {"name": "gsi1sk", "type": "S"},
            ],
            global_secondary_indexes=[
                {
                    "name": INDEX_NAME,
                    "hash_key": "gsi1pk",
                    "range_key": "gsi1sk",
                    "projection_type": "ALL",
                }
            ],
            ttl={"attribute_name": TTL_ATTRIBUTE, "enabled": True},
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": self.key.arn},
            deletion_protection_enabled=config.production,
            opts=keep,
        )
        self.register_outputs(
            {"table_name": self.table.name, "table_arn": self.table.arn, "key_arn": self.key.arn}
        )
