"""The Lambda artifacts in S3: the code archive and the dependency layer built beforehand.

``scripts/build-lambda.sh`` builds both (:mod:`deploy.artifacts`: byte-compiled, reproducible)
into ``build/lambda/``; the program only uploads them, and stops with a message naming the script
when they are missing or the code archive is older than the project's sources. It never builds
or downloads anything itself. Reproducible archives mean an unchanged project deploys nothing:
the S3 keys are content-addressed.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from deploy.artifacts import (
    ARCHITECTURE,
    PYTHON_RUNTIME,
    ArtifactError,
    built_artifacts,
    file_sha256,
)
from deploy.stage import StageConfig


class MissingArtifactError(pulumi.RunError):
    """A build artifact the program needs is absent or stale (Pulumi prints just the message)."""


class LambdaArtifacts(pulumi.ComponentResource):
    """A private bucket with the code archive and the dependency layer built from its zip."""

    def __init__(self, name: str, config: StageConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openbrain:deploy:LambdaArtifacts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        try:
            code_zip, layer_zip = built_artifacts(config.build_dir, tenants_dir=config.tenants_dir)
        except ArtifactError as exc:
            raise MissingArtifactError(str(exc)) from exc

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket", force_destroy=not config.production, opts=child
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        # Content-addressed keys: a changed archive is a new key, which updates the functions.
        code_key = f"code/lambda-code-{file_sha256(code_zip)[:16]}.zip"
        layer_key = f"layers/lambda-deps-{file_sha256(layer_zip)[:16]}.zip"
        self.code_object = aws.s3.BucketObjectv2(
            f"{name}-code",
            bucket=self.bucket.id,
            key=code_key,
            source=pulumi.FileAsset(str(code_zip)),
            opts=child,
        )
        layer_object = aws.s3.BucketObjectv2(
            f"{name}-deps",
            bucket=self.bucket.id,
            key=layer_key,
            source=pulumi.FileAsset(str(layer_zip)),
            opts=child,
        )
        self.dependencies = aws.lambda_.LayerVersion(
            f"{name}-deps-layer",
            layer_name=f"openbrain-{config.stage}-deps",
            s3_bucket=self.bucket.id,
            s3_key=layer_object.key,
            compatible_runtimes=[PYTHON_RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            opts=child,
        )
        self.code_key = self.code_object.key
        self.register_outputs(
            {"bucket": self.bucket.id, "code_key": self.code_key, "layer": self.dependencies.arn}
        )
