"""Admin commands, run from a checkout against the local stack or AWS:
``python -m infra.tools.<command>``."""
