# The two commands: `make run` and `make test`. Each sets up what is missing (a virtualenv in
# .venv with cpms and its test tools), quietly and only once, then does its job.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres bench contract migration clean

run: $(READY)
	@$(BIN)/cpms serve

test: $(READY)
	@scripts/test-all.sh

test-sqlite: $(READY)
	@$(BIN)/python -m pytest

test-postgres: $(READY)
	@scripts/test-postgres.sh

bench: $(READY)
	@$(BIN)/python bench/api_reads.py

# Re-derive cpms/contract/openapi.json from the vendor's document (needs ../shared/reference).
contract: $(READY)
	@$(BIN)/python scripts/build_contract.py ../shared/reference/ampeco-public-api-3.110.0.json

# A new Alembic revision from the tables in code: make migration MSG="add sessions"
migration: $(READY)
	@$(BIN)/python -m cpms.storage.migrate revision "$(MSG)"

$(READY): pyproject.toml
	@scripts/bootstrap-venv.sh "$(PYTHON)" "$(VENV)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import cpms, pytest" && touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
