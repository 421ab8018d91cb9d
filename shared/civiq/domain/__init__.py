"""Pure domain model: standard library only, no AWS."""
