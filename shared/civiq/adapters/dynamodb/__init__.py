"""DynamoDB adapters: one table, PynamoDB models, repositories that map items to domain objects."""
