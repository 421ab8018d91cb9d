"""Project checks for checkov (make scan loads them with --external-checks-dir)."""
