# Two commands: `make run` (the whole system locally) and `make test` (everything CI checks).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck cfn-lint pytest bench reconcile deploy token clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.local.run

test: $(STAMP) lint typecheck cfn-lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

# One worker per core (pytest-xdist), each with its own in-process moto and, for e2e, its own
# local stack; `--dist load` keeps each worker's tests in the order tests/conftest.py sets.
pytest: $(STAMP)
	PYTHONPATH=. $(BIN)/pytest -q -n auto --dist load

# ONLY="cold_import read_reminders" runs those alone and keeps the other figures.
bench: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m bench.run_all $(ONLY)

# Reconcile every account's ledger and verify its hash chain, its payment records and the ledger
# digests it must still hold (exit 1 on any finding): an offline admin command that reads the whole
# table and every digest (TABLE_NAME, LEDGER_DIGEST_BUCKET, LEDGER_DIGEST_KEY_ID: the stack's
# outputs; AWS_ENDPOINT_URL for the local stack).
reconcile: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.tools.ledger_check $(ACCOUNTS)

# Deploy to AWS with SAM (needs AWS credentials and the SAM CLI; never run in CI).
deploy: $(STAMP)
	$(BIN)/pip install --quiet "aws-sam-cli>=1.170"
	$(BIN)/sam build --template template.yaml
	$(BIN)/sam deploy --guided

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .aws-sam
