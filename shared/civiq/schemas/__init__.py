"""pydantic models at every edge: API requests and responses, event payloads."""
