# Safehub: `make demo` sets everything up and serves the demo; `make test` runs the whole suite, on SQLite and
# on PostgreSQL, installing Debian's Chromium and starting a throwaway PostgreSQL when they are missing.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
SAFEHUB = $(BIN)/safehub
PG_URL ?= postgres://postgres@127.0.0.1:5432/safehub
# What pytest runs (default: the whole suite), e.g. make test TESTS="tests/test_clock.py tests/browser/test_login.py"
TESTS ?=
# pytest-xdist workers for each half (auto: one per core); 0 runs everything in one process.
PYTEST_WORKERS ?= auto
CHROMIUM = /usr/bin/chromium
STATIC = src/safehub/static

.PHONY: demo serve bench-faults install assets translations migrate test test-ready test-sqlite test-postgres bench bench-figures bench-linking bench-networks bench-federation pitr-proof clean

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

$(STATIC)/vendor/chart.umd.min.js: node_modules/.installed
	mkdir -p $(STATIC)/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js $(STATIC)/vendor/

assets: $(STATIC)/safehub/safehub.css $(STATIC)/govuk/govuk-frontend.min.js $(STATIC)/vendor/cytoscape.min.js \
	$(STATIC)/vendor/chart.umd.min.js

install: $(BIN)/.installed assets translations

# The public side's catalogues (src/safehub/locale/*/LC_MESSAGES/django.po) compiled with Babel, no gettext package
# needed; refuses a catalogue with an untranslated or fuzzy message. The .mo files are committed too.
translations: $(BIN)/.installed
	$(SAFEHUB) translations compile >/dev/null

migrate: install
	$(SAFEHUB) migrate --noinput

# The demo: Django's development server on the embedded SQLite, with the background worker and the scheduler
# beside it; Ctrl-C stops all three.
demo: migrate
	$(SAFEHUB) demo
	$(SAFEHUB) serve --server runserver --bind 127.0.0.1:8000 --no-migrate

# Production serving (docs/deploying.md): gunicorn, the background worker and the scheduler, on the database and
# Redis named by SAFEHUB_DATABASE_URL and SAFEHUB_REDIS_URL; migrates first, and in production mode
# (SAFEHUB_PRODUCTION=1) gathers the static files for WhiteNoise.
SERVE_BIND ?= 127.0.0.1:8000
serve: install
	$(SAFEHUB) serve --bind $(SERVE_BIND)

test: test-ready test-sqlite test-postgres

# Before any test runs: Chromium, the packages, and a PostgreSQL server at PG_URL or the programs to make one.
test-ready: $(CHROMIUM) install
	$(BIN)/python scripts/with-postgres --check '$(PG_URL)'

test-sqlite: $(CHROMIUM) install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(TESTS)

# Against the server at PG_URL if one answers there, else against a throwaway cluster under var/ on a free
# loopback port, stopped and removed afterwards whatever the outcome (scripts/with-postgres).
test-postgres: test-ready
	$(BIN)/python scripts/with-postgres '$(PG_URL)' -- $(BIN)/pytest -n $(PYTEST_WORKERS) $(TESTS)

# The browser tests drive Debian's Chromium and never download a browser: install it when it is missing and
# this user may (root, or sudo without a password), else stop here saying what to run.
$(CHROMIUM):
	scripts/debian-install chromium
	@test -x $@ || { echo "$@ is still missing after installing Debian's chromium" >&2; exit 1; }

bench: install
	$(BIN)/python bench/public_submit.py
	$(BIN)/python bench/audit_bench.py
	$(BIN)/python bench/audit_concurrency.py
	$(BIN)/python bench/casework_bench.py
	$(BIN)/python bench/intelligence_pages.py
	$(BIN)/python bench/figures_annual.py
	$(BIN)/python bench/servers.py

# The full annual set of figures over 1,000,000 contacts and 50,000 cases (PostgreSQL; FIGURES_DB_URL names a
# database whose name contains "bench").
bench-figures: install
	$(BIN)/python bench/figures_annual.py

# Linking benchmarks (minutes, several GB at a million records; not part of `make test`). JSON to var/bench/.
# `make bench-networks` scores detected networks against a synthetic town's planted ones (hubs, shared
# nicknames) at 1,000 and 100,000 reports filed through the referral API (hours at 100,000; SQLite unless
# NETWORKS_DB_URL names a PostgreSQL database whose name contains "bench"; NETWORKS_REPORTS=1000 for one size).
bench-linking: install
	$(BIN)/python bench/linking_febrl.py
	$(BIN)/python bench/linking_febrl.py --dataset febrl3
	$(BIN)/python bench/linking_febrl.py --dataset febrl2
	$(BIN)/python bench/linking_spark.py
	$(BIN)/python bench/linking_million.py
	$(BIN)/python bench/linking_realtime.py
	$(BIN)/python bench/linking_networks.py
	$(BIN)/python bench/networks_compute.py
	$(BIN)/python bench/networks_incremental.py --mentions 100000
	$(BIN)/python bench/networks_incremental.py --mentions 1000000
	$(BIN)/python bench/linking_filed_report.py --mentions 100000
	$(BIN)/python bench/linking_filed_report.py --mentions 1000000

# Asking other areas (ADRs 30, 34): 150 partnerships, each a process on its own SQLite file, on ports 19000-19149
# (about 6 minutes, most of it the plain matcher's side of the linkage comparison).
bench-federation: install
	$(BIN)/python bench/federation.py

NETWORKS_REPORTS ?=
NETWORKS_DB_URL ?=
bench-networks: install
	$(BIN)/python bench/networks_quality.py $(if $(NETWORKS_REPORTS),--reports $(NETWORKS_REPORTS)) \
		$(if $(NETWORKS_DB_URL),--database-url $(NETWORKS_DB_URL))

# Point-in-time recovery proven on a throwaway cluster of its own (ports 5440-5449; docs/backup.md). JSON.
pitr-proof: install
	$(BIN)/python scripts/pitr-proof
# Faults survived (bench/faults.py): public reports at a steady rate through gunicorn on a throwaway PostgreSQL
# cluster of its own (port 5430-5439) and Redis, while PostgreSQL restarts, a server worker and the background
# worker are killed. Prints JSON; about 3 minutes.
bench-faults: install
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) node_modules var $(STATIC)/govuk $(STATIC)/vendor $(STATIC)/safehub/safehub.css
