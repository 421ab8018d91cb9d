"""Build template.yaml's functions and layers for Lambda (``python -m infra.build.package``) and
inspect what was built (``python -m infra.build.check``), with no AWS account and no interpreter
of the target's Python version on this machine."""
