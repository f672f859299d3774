"""Secrets Manager entries for the runtime: the LLM key and the JWT secret.

Values come from the stack's encrypted config (``pulumi config set --secret``), so they never
appear in the program, its state in plain text, or a function's environment: functions get the
ARNs (``OB_SECRET_ARNS``) and read the values at cold start (``deploy/runtime/ob_boot.py``).
Webhook signing secrets are not here: the runtime creates one per route, shows it once and
rotates it through the API, and keeps it in the table (under the customer key), so the API
needs no permission to create or change secrets (docs/deploy.md, "Secrets").
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.stage import StageConfig


class RuntimeSecrets(pulumi.ComponentResource):
    def __init__(self, name: str, config: StageConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openbrain:deploy:RuntimeSecrets", name, None, opts)
        prefix = f"openbrain/{config.stage}"
        self.jwt_secret = self._secret(
            name, "jwt-secret", f"{prefix}/jwt-secret", config.jwt_secret
        )
        self.llm_api_key = (
            self._secret(name, "llm-api-key", f"{prefix}/llm-api-key", config.llm_api_key)
            if config.llm_api_key is not None
            else None
        )
        self.register_outputs({"jwt_secret_arn": self.jwt_secret.arn})

    def _secret(
        self, name: str, suffix: str, secret_name: str, value: pulumi.Output[str]
    ) -> aws.secretsmanager.Secret:
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(
            f"{name}-{suffix}",
            name=secret_name,
            description=f"OpenBrain runtime secret ({suffix})",
            recovery_window_in_days=7,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-{suffix}-value", secret_id=secret.id, secret_string=value, opts=child
        )
        return secret
