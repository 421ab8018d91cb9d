"""Blueprints and HTTP plumbing of the staff API."""
