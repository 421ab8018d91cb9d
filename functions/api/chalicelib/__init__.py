"""The staff API's own code: HTTP plumbing (http), the OpenAPI document (openapi), settings and
composition roots, and the route blueprints, one module per resource group (routes)."""
