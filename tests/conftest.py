"""Process-wide test settings: set before anything imports ``openbrain`` settings."""

from __future__ import annotations

import os
import tempfile

# Never reach a real LLM or AWS from tests, and never write into the user's data dir.
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
_DATA = tempfile.mkdtemp(prefix="ob-test-")
os.environ.setdefault("OB_DATA_DIR", _DATA)
os.environ.setdefault("OB_STORE", f"sqlite:///{_DATA}/openbrain.db")
os.environ.setdefault("OB_LOG_JSON", "1")
