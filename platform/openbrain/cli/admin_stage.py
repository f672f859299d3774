"""``ob-admin stage onboard``: the one command that brings a stage into service after `pulumi up`.

It writes the tenant specs of ``tenants/`` into the stage's table (only what changed, as
``ob-admin tenants sync``), then creates the first platform admin in the stage's Cognito user
pool (``custom:role = platform-admin``, no tenant) and prints their temporary password once:
the first credential of the platform routes (the ID token of that user, after signing in and
choosing a password at the dashboard). Run again after every `pulumi up` that adds or changes a
spec: the tenants are synced again and an existing admin is left as it is.
"""

from __future__ import annotations

import secrets
import sys

import typer
from rich.console import Console

from openbrain.cli.app import App
from openbrain.cli.common import admin_runtime, fail

app = App(help="A deployed stage (docs/deploy.md, 'First deploy').", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)  # lines the operator copies stay whole
PLATFORM_ADMIN = "platform-admin"
ROLE_ATTRIBUTE = "custom:role"  # deploy/identity.py; the API reads it (OB_JWT_ROLE_CLAIM)


def temporary_password() -> str:
    """Random, and within the pool's policy (12+ characters, upper, lower and a digit)."""
    return f"{secrets.token_urlsafe(18)}Aa7"


def create_platform_admin(user_pool_id: str, email: str) -> str | None:
    """Create the user and return their temporary password; ``None`` if they already exist."""
    # boto3 here, not at the top: every other ob-admin command (and its help) starts without it.
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    cognito = boto3.client("cognito-idp")
    password = temporary_password()
    try:
        cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": ROLE_ATTRIBUTE, "Value": PLATFORM_ADMIN},
            ],
            TemporaryPassword=password,
            MessageAction="SUPPRESS",  # printed here once, not e-mailed
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UsernameExistsException":
            return None
        raise fail(f"cannot create the platform admin in {user_pool_id}: {exc}") from None
    except BotoCoreError as exc:
        raise fail(f"cannot reach Cognito: {exc}") from None
    return password


@app.command("onboard")
def onboard(
    admin_email: str = typer.Option(
        ..., "--admin-email", help="The first platform admin's e-mail (their user name)."
    ),
    user_pool_id: str = typer.Option(
        ..., "--user-pool-id", envvar="OB_COGNITO_USER_POOL_ID",
        help="The stage's user pool (`pulumi stack output user_pool_id`).",
    ),
) -> None:
    """Sync tenants/ into the stage and create its first platform admin (password shown once)."""
    if "@" not in admin_email:
        raise fail("--admin-email must be an e-mail address")
    with admin_runtime() as runtime:
        if runtime.settings.stage == "local":
            raise fail("OB_STAGE is local: onboard is for a deployed stage (OB_STORE=dynamodb://…)")
        ids = runtime.sync_tenants()
    console.print(f"synced {len(ids)} tenant(s): {', '.join(ids)}")
    password = create_platform_admin(user_pool_id, admin_email)
    if password is None:
        console.print(f"platform admin {admin_email} already exists: left as it is")
        return
    console.print(f"platform admin {admin_email} created; temporary password (shown once, "
                  "replaced at the first sign-in to the dashboard):", style="dim")
    sys.stdout.write(password + "\n")
