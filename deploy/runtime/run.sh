#!/bin/bash
# The API function's start command (its "handler"), run by the Lambda Web Adapter's exec wrapper.
# ob_boot loads the function's secrets from Secrets Manager, then execs uvicorn on the adapter's port.
export PYTHONPATH="${LAMBDA_TASK_ROOT}:/opt/python:${PYTHONPATH}"
exec python3 -m ob_boot serve
