# One entry point for development, CI and the demo.
#   make demo   apply the role to a local Apache container and show what it derived
#   make test   everything: lint, sanity, unit, molecule (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
LINK := $(COLLECTIONS)/ansible_collections/wsgiscale/mod_wsgi
SCENARIOS ?= faults hostile_input apply_under_load default venv_pip rolling_drain multi_app request_timeout fleet autotune
# Run alone, after the others: they count requests lost, or measure queueing, under load (tests/molecule.sh).
SOLO_SCENARIOS ?= apply_under_load rolling_drain autotune

export CONTAINERS_CONF := $(CURDIR)/tests/containers.conf
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR ?= 0
export PATH := $(BIN):$(PATH)

.PHONY: help host venv link images pip-sources lint sanity unit build checks molecule molecule-shared molecule-solo test demo bench bench-capacity bench-capacity-smoke bench-capacity-hosts changelog clean

help:
	@echo "make demo | test | checks | lint | sanity | unit | molecule [SCENARIOS=...] | images | bench | bench-capacity | bench-capacity-hosts"

# System packages (podman, runc, debootstrap, shellcheck), installed when missing.
host:
	tests/setup-host.sh

$(BIN)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@

venv: $(BIN)/.stamp

# The collection must be importable as ansible_collections.wsgiscale.mod_wsgi.
link:
	@mkdir -p $(dir $(LINK))
	@ln -sfn $(CURDIR) $(LINK)

images: host
	tests/images/build.sh

# The mod_wsgi sdist (pinned with its sha256 in tests/pip-sources.txt) and the wheels
# its build needs, for the scenarios that build mod_wsgi with pip in containers
# without network access (kept once fetched).
pip-sources: venv
	$(BIN)/python tests/pip_sources.py build/pip-sources

lint: venv link changelog
	$(BIN)/yamllint --strict .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --strict

sanity: venv host
	tests/sanity.sh

unit: venv link
	cd $(LINK) && PYTHONPATH=$(COLLECTIONS) $(BIN)/pytest -q tests/unit

# The Galaxy artifact must build, install and document its plugins.
build: venv
	rm -rf build/artifact && mkdir -p build/artifact
	$(BIN)/ansible-galaxy collection build --force --output-path build/artifact .
	$(BIN)/ansible-galaxy collection install --force -p build/artifact/installed build/artifact/wsgiscale-mod_wsgi-*.tar.gz
	for p in wsgi_sizing wsgi_host_plan wsgi_fleet_plan wsgi_processes wsgi_threads wsgi_daemon_options wsgi_app_config wsgi_site_config; do \
	  ANSIBLE_COLLECTIONS_PATH=build/artifact/installed $(BIN)/ansible-doc -t filter wsgiscale.mod_wsgi.$$p >/dev/null; done
	for p in restart_info daemon_info traffic_info tls_check; do \
	  ANSIBLE_COLLECTIONS_PATH=build/artifact/installed $(BIN)/ansible-doc -t module wsgiscale.mod_wsgi.$$p >/dev/null; done
	ANSIBLE_COLLECTIONS_PATH=build/artifact/installed $(BIN)/ansible-doc -t role wsgiscale.mod_wsgi.mod_wsgi_daemon >/dev/null
	@echo "build: artifact installs and ansible-doc renders every plugin and the role"

molecule: venv link images pip-sources
	MOLECULE_SOLO="$(SOLO_SCENARIOS)" tests/molecule.sh $(SCENARIOS)

# The two phases of `molecule`, for `test`: the scenarios that share the machine,
# then those that run alone.
molecule-shared: venv link images pip-sources
	tests/molecule.sh $(filter-out $(SOLO_SCENARIOS),$(SCENARIOS))

molecule-solo: venv link images pip-sources
	MOLECULE_SOLO="$(SOLO_SCENARIOS)" tests/molecule.sh $(filter $(SOLO_SCENARIOS),$(SCENARIOS))

# The static checks and the build.
checks: lint sanity unit build

# The checks and the capacity smoke run beside the scenarios that share the
# machine (those take much longer; their output interleaves, as an output-sync mode
# would hold back molecule's progress lines); the scenarios that count requests
# under load run after both, alone. A failure does not stop the later phases; the
# last lines say which scenarios failed and why.
test: host venv link images pip-sources
	@shared=0; solo=0; scenarios=0; \
	$(MAKE) --no-print-directory -k -j2 molecule-shared checks bench-capacity-smoke || shared=1; \
	$(MAKE) --no-print-directory molecule-solo || solo=1; \
	echo "==================== make test: summary ===================="; \
	tests/molecule.sh --summary $(SCENARIOS) || scenarios=1; \
	if [ "$$shared" -ne 0 ] && [ "$$scenarios" -eq 0 ]; then \
	  echo "make test: lint, sanity, unit, build or the capacity smoke failed (its error is above)"; fi; \
	if [ $$((shared + solo + scenarios)) -eq 0 ]; then echo "make test: passed"; else echo "make test: FAILED"; exit 1; fi

demo: host venv link
	tests/images/build.sh bookworm
	$(BIN)/ansible-playbook -i examples/inventory.yml examples/demo.yml

bench: venv link
	$(BIN)/python benchmarks/error_log_bench.py

# Plans and rules of thumb on real Apache under open-loop load (docs/benchmarks.md).
# Continues build/capacity/capacity.json when a run was cut short; remove it to start afresh.
bench-capacity: venv link images
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/capacity/bench.py --sweep-suite bookworm --out build/capacity --continue

# The plans on 1 to 8 vCPUs against the simulated pool (no container; minutes).
bench-capacity-hosts: venv link
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/capacity/hosts.py --out build/capacity-hosts.md

# A few seconds of the capacity harness and its report, so that neither can rot.
bench-capacity-smoke: venv link images
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python benchmarks/capacity/bench.py --smoke --out build/capacity-smoke

changelog: venv
	$(BIN)/antsibull-changelog lint

clean:
	rm -rf build .pytest_cache .ruff_cache
