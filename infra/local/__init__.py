"""The local stack: moto in server mode, provisioned from template.yaml."""
