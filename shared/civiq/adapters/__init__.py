"""Adapters: the infrastructure behind the ports (DynamoDB, S3, EventBridge, PDF)."""
