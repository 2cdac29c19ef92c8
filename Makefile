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
SCENARIOS ?= default multi_app rollback request_timeout

export CONTAINERS_CONF := $(CURDIR)/tests/containers.conf
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR ?= 0
export PATH := $(BIN):$(PATH)

.PHONY: help host venv link images lint sanity unit molecule test demo bench changelog clean

help:
	@echo "make demo | test | lint | sanity | unit | molecule [SCENARIOS=...] | images | bench"

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

lint: venv link changelog
	$(BIN)/yamllint --strict .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --strict

sanity: venv host
	tests/sanity.sh

unit: venv link
	cd $(LINK) && PYTHONPATH=$(COLLECTIONS) $(BIN)/pytest -q tests/unit

molecule: venv link images
	for s in $(SCENARIOS); do $(BIN)/molecule test -s $$s; done

test: lint sanity unit molecule

demo: host venv link
	tests/images/build.sh bookworm
	$(BIN)/ansible-playbook -i examples/inventory.yml examples/demo.yml

bench: venv link
	$(BIN)/python benchmarks/error_log_bench.py

changelog: venv
	$(BIN)/antsibull-changelog lint

clean:
	rm -rf build .pytest_cache .ruff_cache
