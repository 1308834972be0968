# Safehub: `make demo` sets everything up and serves the demo; `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
SAFEHUB = $(BIN)/safehub
PG_URL ?= postgres://postgres@127.0.0.1:5432/safehub
STATIC = src/safehub/static

.PHONY: demo install assets migrate test test-sqlite test-postgres bench bench-linking bench-networks clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC)/safehub/safehub.css: node_modules/.installed assets/safehub.scss
	npm run --silent build

$(STATIC)/govuk/govuk-frontend.min.js: node_modules/.installed
	mkdir -p $(STATIC)/govuk
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(STATIC)/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/govuk/

$(STATIC)/vendor/cytoscape.min.js: node_modules/.installed
	mkdir -p $(STATIC)/vendor
	cp node_modules/cytoscape/dist/cytoscape.min.js $(STATIC)/vendor/

assets: $(STATIC)/safehub/safehub.css $(STATIC)/govuk/govuk-frontend.min.js $(STATIC)/vendor/cytoscape.min.js

install: $(BIN)/.installed assets

migrate: install
	$(SAFEHUB) migrate --noinput

demo: migrate
	$(SAFEHUB) demo
	@echo "Serving Safehub on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(SAFEHUB) runserver 127.0.0.1:8000 --noreload

test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	SAFEHUB_DATABASE_URL=$(PG_URL) $(BIN)/pytest

bench: install
	$(BIN)/python bench/public_submit.py
	$(BIN)/python bench/audit_bench.py
	$(BIN)/python bench/casework_bench.py

# Linking benchmarks (minutes, several GB at a million records; not part of `make test`). JSON to var/bench/.
# `make bench-networks` scores detected networks against a synthetic town's planted ones (hubs, shared
# nicknames) at 1,000 and 100,000 reports filed through the referral API (hours at 100,000; SQLite unless
# NETWORKS_DB_URL names a PostgreSQL database whose name contains "bench"; NETWORKS_REPORTS=1000 for one size).
bench-linking: install
	$(BIN)/python bench/linking_febrl.py
	$(BIN)/python bench/linking_million.py
	$(BIN)/python bench/linking_realtime.py
	$(BIN)/python bench/linking_networks.py
	$(BIN)/python bench/networks_compute.py

NETWORKS_REPORTS ?=
NETWORKS_DB_URL ?=
bench-networks: install
	$(BIN)/python bench/networks_quality.py $(if $(NETWORKS_REPORTS),--reports $(NETWORKS_REPORTS)) \
		$(if $(NETWORKS_DB_URL),--database-url $(NETWORKS_DB_URL))

clean:
	rm -rf $(VENV) node_modules var $(STATIC)/govuk $(STATIC)/vendor $(STATIC)/safehub/safehub.css
