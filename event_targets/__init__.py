"""Event consumers: SQS-batch handlers that deliver tenant events to their routes."""
