# Two commands: `make run` (the whole system locally) and `make test` (everything CI checks).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser lint typecheck cfn-lint scan package pdf-smoke pytest bench reconcile aging-check aging-rebuild deploy clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.local.run

test: $(STAMP) browser lint typecheck cfn-lint scan package pytest

# A real browser for the page tests (tests/e2e): Debian's Chromium, which Playwright drives through
# its executable path (tests/helpers/browser.py). `playwright install` is never called: it
# downloads browsers from a CDN. Nothing to do when Chromium is there; apt needs root (or sudo).
CHROMIUM_PATHS := /usr/lib/chromium/chromium /usr/bin/chromium
browser:
	@for found in $(CHROMIUM_PATHS); do if [ -x "$$found" ]; then exit 0; fi; done; \
	if [ "$$(id -u)" = 0 ]; then as_root=; \
	elif command -v sudo >/dev/null 2>&1; then as_root=sudo; \
	else echo "Chromium is missing and apt needs root: apt-get install chromium" >&2; exit 1; fi; \
	$$as_root apt-get update -qq && \
	$$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

# Security scan: checkov over the CloudFormation that template.yaml deploys. The SAM transform runs
# offline first (infra/tools/scan_template.py): only it shows each function's IAM role, the API's
# stage, the permissions and event source mappings. Suppressions live in template.yaml with their
# reasons: a resource's Metadata (a SAM resource's covers what SAM generates from it), or the
# template's own Metadata for a check that is wrong for every resource of its type here.
# infra/scan_checks holds the project's checks, standing in for two suppressed ones. Any other
# finding fails. checkov is pinned, in its own venv: its pins (boto3 1.35, networkx 2, packaging
# 23) would downgrade the project's. --skip-download: no calls to the vendor's platform.
CHECKOV_VERSION := 3.3.30
SCAN_VENV := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.checkov-$(CHECKOV_VERSION)

$(SCAN_STAMP):
	rm -rf $(SCAN_VENV)
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet "checkov==$(CHECKOV_VERSION)"
	touch $@

scan: $(STAMP) $(SCAN_STAMP)
	mkdir -p build
	PYTHONPATH=. $(BIN)/python -m infra.tools.scan_template build/scan-template.json
	$(SCAN_VENV)/bin/checkov --file build/scan-template.json --framework cloudformation \
		--external-checks-dir infra/scan_checks --compact --quiet --skip-download

# One worker per core (pytest-xdist), each with its own in-process moto and, for e2e, its own
# local stack; `--dist load` keeps each worker's tests in the order tests/conftest.py sets.
pytest: $(STAMP) browser
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

# Check the receivables aging (its cells and index) against every account's open items, or
# rebuild it from them (existing data, a repair; while nothing posts): offline admin commands
# (TABLE_NAME, LEDGER_TABLE_NAME; AWS_ENDPOINT_URL for the local stack).
aging-check: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.tools.aging_check check

aging-rebuild: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.tools.aging_check rebuild

# Build every function and layer of template.yaml for Lambda's target (the template's Runtime and
# Architectures: python3.12 on arm64) into .aws-sam/build, then check the built artifacts (machine,
# glibc, Python version, sizes). No AWS account and no python3.12 needed; pip's cache keeps a
# rebuild quick. `sam build` is not used: it needs python3.12 on PATH and installs the layer's
# wheels for this machine's architecture (x86-64), not the functions' (arm64).
package: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m infra.build.package
	PYTHONPATH=. $(BIN)/python -m infra.build.check

# Render a one-page PDF in Lambda's own python3.12 arm64 image with the built AppLayer,
# TemplatesLayer and PdfLayer mounted at /opt (infra/pdf/smoke.py). Needs a Docker engine (and on
# an x86-64 host QEMU's arm64 binfmt); without one it says so and fails.
pdf-smoke: package
	PYTHONPATH=. $(BIN)/python -m infra.pdf.smoke

# Deploy the build to AWS (needs AWS credentials; never run in CI). The SAM CLI lives in its own
# venv so its pins cannot disturb the project's; `sam deploy` zips and uploads .aws-sam/build as built.
SAM_VENV := .venv-sam
deploy: package
	test -x $(SAM_VENV)/bin/sam || ($(PYTHON) -m venv $(SAM_VENV) && $(SAM_VENV)/bin/pip install --quiet "aws-sam-cli>=1.170")
	$(SAM_VENV)/bin/sam deploy --guided --template-file .aws-sam/build/template.yaml

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) build/scan-template.json .mypy_cache .ruff_cache .pytest_cache .aws-sam
