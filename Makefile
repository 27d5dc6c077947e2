# The two commands of the README:
#   make deploy-local   sets up the controller and deploys the stack to inventories/local
#   make test           sets up everything (Docker Engine, Python packages, test images) and runs every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.cache/collections
COLLECTION_LINK := .cache/collections/ansible_collections/selfhosted/ai_stack

.PHONY: deploy-local test test-heavy setup venv collection-link engine images lint sanity unit rag-api-test rag-api-mutation benchmark-rag-api benchmark-rag-ingest mutation mutation-report molecule benchmark benchmark-postgres benchmark-ollama benchmark-n8n benchmark-site build clean

deploy-local: setup
	ansible-playbook site.yml -i inventories/local

test: setup engine
	tests/run_all.sh

# Opt-in, not part of `make test` (CI's time budget): the open_webui and site scenarios with the real
# Open WebUI built from PyPI (3.3 GB) instead of its stand-in - the request flow end to end (issue 15).
test-heavy: setup engine
	tests/heavy.sh

setup: venv collection-link

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Makes this checkout importable as selfhosted.ai_stack without installing it.
collection-link:
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn ../../../.. $(COLLECTION_LINK)

engine:
	tests/ensure-docker-engine.sh

images: engine
	tests/images/build.sh

lint: setup
	tests/run_all.sh lint

sanity: setup
	tests/run_all.sh sanity

unit: setup
	tests/run_all.sh unit

# The RAG API service's tests (services/rag_api) in .cache/rag-venv, against real PostgreSQL
rag-api-test: engine
	tests/run_all.sh service

# The service's mutation score, every module (slow; the gate in make test covers the fast ones)
rag-api-mutation: engine
	tests/rag_api.sh mutation

# Retrieval latency p50/p95 at 10k and 100k chunks, ingestion chunks/s (issue 13)
benchmark-rag-api: engine
	tests/rag_api.sh benchmark

benchmark-rag-ingest: setup engine
	tests/benchmark/rag_ingest.sh

mutation: setup
	tests/run_all.sh mutation

# Every Python file of plugins/ (slow, not part of `make test`): mutants, killed and survived per file;
# fails below 85 % for plugin_utils + module_utils or 75 % overall.
mutation-report: setup collection-link
	python tests/mutation.py --record tests/mutation-record.json --targets tests/mutation-targets.txt --min 75 --min-utils 85

# One role: make molecule ROLE=redis
molecule: setup images
	tests/run_all.sh molecule $(ROLE)

benchmark: setup images
	tests/benchmark/redis.sh

benchmark-postgres: setup images
	tests/benchmark/postgres.sh

benchmark-ollama: setup images
	tests/benchmark/ollama.sh

# The whole site: unchanged re-run time, task count and slowest tasks (issue 11)
benchmark-n8n: setup images
	tests/images/build.sh n8n n8n-runners-standin
	tests/benchmark/n8n.sh

benchmark-site: setup images
	tests/benchmark/site.sh

build: setup
	ansible-galaxy collection build --force --output-path .cache/dist

clean:
	rm -rf .cache
