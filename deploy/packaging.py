"""The Lambda code archive (built here, from the project's files) and the artifacts that hold it.

The code archive is built with :mod:`zipfile`, not by Pulumi's archiver, because Pulumi drops file
modes (pulumi/pulumi#3593) and the API's start script ``run.sh`` must stay executable. It is
deterministic (sorted entries, fixed timestamps), so an unchanged project deploys no new code.
Third-party dependencies come from a layer zip built beforehand (docs/deploy.md): the program
itself never downloads anything.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pulumi_aws as aws

from deploy.stage import REPO_ROOT, StageConfig

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
EXECUTABLES = {"run.sh"}
PYTHON_RUNTIME = "python3.12"
ARCHITECTURE = "x86_64"
BUILD_LAYER_HINT = "build it first: see 'Build the artifacts' in docs/deploy.md"


class MissingArtifactError(RuntimeError):
    """A build artifact the program needs is absent."""


def _tree(source: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or _SKIP_DIRS.intersection(rel.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        yield f"{prefix}/{rel.as_posix()}", path


def code_entries(root: Path = REPO_ROOT, tenants_dir: Path | None = None) -> list[tuple[str, Path]]:
    """``(name in archive, source file)`` for everything the functions import or read."""
    tenants = tenants_dir or root / "tenants"
    entries = [
        *_tree(root / "platform" / "openbrain", "openbrain"),
        *_tree(root / "event_targets", "event_targets"),
        *((f"tenants/{p.name}", p) for p in sorted(tenants.glob("*.toml"))),
        ("ob_boot.py", root / "deploy" / "runtime" / "ob_boot.py"),
        ("run.sh", root / "deploy" / "runtime" / "run.sh"),
    ]
    return sorted(entries)


def build_code_archive(
    out_dir: Path, root: Path = REPO_ROOT, tenants_dir: Path | None = None
) -> Path:
    """Write ``lambda-code-<sha256 prefix>.zip`` into ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / "lambda-code.zip.tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, source in code_entries(root, tenants_dir):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, source.read_bytes())
    digest = file_sha256(tmp)
    final = out_dir / f"lambda-code-{digest[:16]}.zip"
    tmp.replace(final)
    return final


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class LambdaArtifacts(pulumi.ComponentResource):
    """A private bucket with the code archive and the dependency layer built from its zip."""

    def __init__(self, name: str, config: StageConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("openbrain:deploy:LambdaArtifacts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        layer_zip = config.dependencies_layer_zip
        if not layer_zip.is_file():
            raise MissingArtifactError(
                f"dependency layer {layer_zip} is missing; {BUILD_LAYER_HINT}"
            )
        code_zip = build_code_archive(config.build_dir, tenants_dir=config.tenants_dir)

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
        code_key = f"code/{code_zip.name}"
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
