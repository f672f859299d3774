"""Cognito user pool and app client for tenant admins (the dashboard's sign-in).

Each user carries ``custom:clientId`` (tenant) and ``custom:role`` (``admin``, ``viewer``,
``platform-admin``), the claims the API reads from ID tokens. The app client may read them but
not write them: only operators (admin API) set a user's tenant and role.

The dashboard signs admins in through the hosted UI with the authorization code grant and PKCE:
a public client (no secret, which a browser-facing app could not keep), whose one callback and
sign-out URL is the dashboard's root, exactly as the dashboard sends it (``redirect_uri``).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.stage import StageConfig

TENANT_ATTRIBUTE = "clientId"
ROLE_ATTRIBUTE = "role"


def _custom_attribute(name: str, max_length: int) -> aws.cognito.UserPoolSchemaArgs:
    return aws.cognito.UserPoolSchemaArgs(
        name=name,
        attribute_data_type="String",
        mutable=True,
        developer_only_attribute=False,
        required=False,
        string_attribute_constraints=aws.cognito.UserPoolSchemaStringAttributeConstraintsArgs(
            min_length="1", max_length=str(max_length)
        ),
    )


class Identity(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        dashboard_url: pulumi.Input[str],
        region: pulumi.Input[str],
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=f"openbrain-{config.stage}-admins",
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            admin_create_user_config={"allow_admin_create_user_only": True},
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration={"enabled": True},
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": False,
                "temporary_password_validity_days": 3,
            },
            account_recovery_setting={
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
            schemas=[
                _custom_attribute(TENANT_ATTRIBUTE, 64),
                _custom_attribute(ROLE_ATTRIBUTE, 32),
            ],
            deletion_protection="ACTIVE" if config.production else "INACTIVE",
            opts=pulumi.ResourceOptions(
                parent=self, protect=config.production, retain_on_delete=config.production
            ),
        )
        # Cognito compares callback URLs as exact strings: one spelling, shared with the dashboard.
        self.redirect_uri = pulumi.Output.from_input(dashboard_url).apply(
            lambda url: f"{url.rstrip('/')}/"
        )
        self.client = aws.cognito.UserPoolClient(
            f"{name}-client",
            name=f"openbrain-{config.stage}-dashboard",
            user_pool_id=self.pool.id,
            generate_secret=False,
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=["openid", "email", "profile"],
            supported_identity_providers=["COGNITO"],
            callback_urls=[self.redirect_uri],
            logout_urls=[self.redirect_uri],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            id_token_validity=60,
            access_token_validity=60,
            refresh_token_validity=30,
            token_validity_units={
                "id_token": "minutes",
                "access_token": "minutes",
                "refresh_token": "days",
            },
            read_attributes=[
                "email",
                "email_verified",
                "name",
                f"custom:{TENANT_ATTRIBUTE}",
                f"custom:{ROLE_ATTRIBUTE}",
            ],
            write_attributes=["email", "name"],
            opts=child,
        )
        prefix = config.auth_domain_prefix or pulumi.Output.from_input(account_id).apply(
            lambda acct: f"openbrain-{config.stage}-{acct}"
        )
        self.domain = aws.cognito.UserPoolDomain(
            f"{name}-domain", domain=prefix, user_pool_id=self.pool.id, opts=child
        )
        self.issuer = pulumi.Output.concat(
            "https://cognito-idp.", region, ".amazonaws.com/", self.pool.id
        )
        self.jwks_url = self.issuer.apply(lambda iss: f"{iss}/.well-known/jwks.json")
        self.hosted_ui_url = pulumi.Output.concat(
            "https://", self.domain.domain, ".auth.", region, ".amazoncognito.com"
        )
        self.register_outputs(
            {"user_pool_id": self.pool.id, "client_id": self.client.id, "issuer": self.issuer}
        )
