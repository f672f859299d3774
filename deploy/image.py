"""The API's container image: built from the project's wheel at ``pulumi up`` and pushed to the
stage's ECR repository (``deploy/api.Dockerfile``), for Graviton (linux/arm64).

The build runs on the operator's machine through Docker's BuildKit (the docker-build provider);
tests and the rehearsal register it under Pulumi mocks, so nothing is built or downloaded there.
The task definition names the pushed image by digest: a changed wheel or tenant spec is a new
digest, which rolls the service; an unchanged project deploys nothing.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from deploy.stage import REPO_ROOT, StageConfig

DOCKERFILE = REPO_ROOT / "deploy" / "api.Dockerfile"
PLATFORM = docker_build.Platform.LINUX_ARM64
"""Fargate's Graviton tasks (the task definition's ``runtimePlatform`` says ARM64 too)."""


class ApiImage(pulumi.ComponentResource):
    def __init__(
        self, name: str, *, config: StageConfig, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("openbrain:deploy:ApiImage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            name=f"openbrain-{config.stage}-api",
            image_scanning_configuration={"scan_on_push": True},
            image_tag_mutability="MUTABLE",  # ``latest`` moves; tasks run the digest
            force_delete=not config.production,
            opts=child,
        )
        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOptions(parent=self)
        )
        self.image = docker_build.Image(
            f"{name}-image",
            context={
                "location": str(REPO_ROOT),
                "named": {"tenants": {"location": str(config.tenants_dir)}},
            },
            dockerfile={"location": str(DOCKERFILE)},
            platforms=[PLATFORM],
            push=True,
            tags=[self.repository.repository_url.apply(lambda url: f"{url}:latest")],
            registries=[
                {
                    "address": self.repository.repository_url,
                    "username": token.user_name,
                    "password": token.password,
                }
            ],
            opts=child,
        )
        self.ref = self.image.ref
        """``<repository>:latest@sha256:...``: what the task definition runs."""
        self.register_outputs({"ref": self.ref})
