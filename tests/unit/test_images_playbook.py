# playbooks/images.yml: the image list an air-gapped user mirrors (issue 10, docs/images.md).
import json
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MINIO = "cgr.dev/chainguard/minio:latest@sha256:4692462f35d97d7e82c30371d82f057703c5d9489bcae726010594c812f2d285"
LANGFUSE = ["langfuse/langfuse-worker:3.225.7", "langfuse/langfuse:3.225.7"]
PIPELINES = "ghcr.io/open-webui/pipelines:main@sha256:b48e9bc338ce2be0acfbeff01810db72408a12f07739f9e3879c1f2b00952d6e"
CHAT = ["ghcr.io/open-webui/open-webui:v0.12.4", PIPELINES]
N8N = ["docker.n8n.io/n8nio/n8n:2.41.1", "docker.n8n.io/n8nio/runners:2.41.1"]
MONITORING = ["prom/alertmanager:v0.28.1", "prom/node-exporter:v1.9.0", "prom/prometheus:v3.13.2"]
DEFAULT = sorted([MINIO, "clickhouse/clickhouse-server:25.8.33.6"] + N8N + CHAT + ["haproxy:3.0.25"] + LANGFUSE + [
                  "ollama/ollama:0.32.6", "pgvector/pgvector:0.8.1-pg17-trixie",
                  "python:3.13.9-slim-bookworm", "quay.io/docling-project/docling-serve-cpu:v1.38.2", "redis:7.4.7-bookworm",
                  "traefik:v3.7.15"] + MONITORING)


NO_CHAT = {"open_webui_enabled": False, "pipelines_enabled": False, "n8n_enabled": False, "prometheus_enabled": False}


def images(extra_vars):
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    done = subprocess.run(["ansible-playbook", "playbooks/images.yml", "-i", "inventories/local",
                           "-e", json.dumps(extra_vars)], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          check=True)
    plays = json.loads(done.stdout)["plays"]
    (task,) = [t for t in plays[0]["tasks"] if t["task"]["name"] == "Show the images"]
    return task["hosts"]["localhost"]["msg"]


def documented_images(table=0):
    """The image column of a table in docs/images.md: 0 the default images, 1 the opt-in components'."""
    tables, previous = [], ""
    for line in (ROOT / "docs" / "images.md").read_text().splitlines():
        if line.startswith("| ") and not previous.startswith("|"):
            tables.append([])
        if line.startswith("| "):
            tables[-1].append(line)
        previous = line
    rows = tables[table][1:]
    return sorted(set(re.findall(r"`([^`]+)`", row.split("|")[2])[0] for row in rows))


def test_defaults_list_every_image_once_and_pinned_as_docs_images_md_says():
    listed = images({})
    assert listed == DEFAULT == documented_images()
    assert all(":" in image and not image.endswith(":latest") for image in listed)


SUPABASE = ["kong:2.8.1", "postgrest/postgrest:v14.5", "supabase/gotrue:v2.186.0", "supabase/postgres-meta:v0.95.2",
            "supabase/postgres:17.6.1.084", "supabase/storage-api:v1.37.8", "supabase/studio:2026.02.16-sha-26c615c"]


SUPABASE_PARTS = ["darthsim/imgproxy:v3.30.1", "haproxy:3.0.25", "supabase/edge-runtime:v1.70.3", "supabase/logflare:1.31.2",
                  "supabase/realtime:v2.76.5", "timberio/vector:0.53.0-alpine"]
ALL_PARTS = {"supabase_realtime_enabled": True, "supabase_imgproxy_enabled": True, "supabase_functions_enabled": True,
             "supabase_analytics_enabled": True}


def test_supabase_adds_its_release_as_docs_images_md_lists_it():
    assert images({"supabase_enabled": True}) == sorted(DEFAULT + SUPABASE)
    assert documented_images(1) == sorted(SUPABASE + SUPABASE_PARTS)


def test_supabase_s_opt_in_parts_add_their_images():
    assert images(dict(ALL_PARTS, supabase_enabled=True)) == sorted(set(DEFAULT + SUPABASE + SUPABASE_PARTS))
    assert images(dict(ALL_PARTS, supabase_enabled=False)) == DEFAULT


def test_supabase_on_the_shared_instance_brings_no_database_image_of_its_own():
    listed = images({"supabase_enabled": True, "supabase_database_instance": "shared", "supabase_studio_enabled": False})
    assert listed == sorted(DEFAULT + [i for i in SUPABASE if not i.startswith(("supabase/postgres:", "supabase/studio"))])


@pytest.mark.parametrize("extra_vars, expected", [
    ({"aistack_container_image_registry_prefix": "mirror.example/ai/"}, ["mirror.example/ai/" + i for i in DEFAULT]),
    ({"ollama_exporter_enabled": False, "ollama_instances": 1, "rag_api_enabled": False},
     [i for i in DEFAULT if not i.startswith("python")]),
    # the RAG API's image is built on the target from the Python image (the exporter's too)
    ({"langfuse_enabled": False, "ollama_enabled": False, "redis_enabled": False, **NO_CHAT},
     ["haproxy:3.0.25", "pgvector/pgvector:0.8.1-pg17-trixie", "python:3.13.9-slim-bookworm", "quay.io/docling-project/docling-serve-cpu:v1.38.2",
      "traefik:v3.7.15"]),
    ({"langfuse_enabled": False, "ollama_enabled": False, "redis_enabled": False, "docling_enabled": False, "rag_api_container_image_build": False, **NO_CHAT,
      "rag_api_container_image_registry_prefix": "registry.example/"},
     ["haproxy:3.0.25", "pgvector/pgvector:0.8.1-pg17-trixie", "registry.example/selfhosted/rag-api:0.1.0", "traefik:v3.7.15"]),
    ({"langfuse_enabled": False, "traefik_enabled": False, **NO_CHAT, "ollama_instances": 2, "ollama_load_balancer_container_image_tag": "3.0.12"},
     ["haproxy:3.0.12", "ollama/ollama:0.32.6", "pgvector/pgvector:0.8.1-pg17-trixie", "python:3.13.9-slim-bookworm",
      "quay.io/docling-project/docling-serve-cpu:v1.38.2", "redis:7.4.7-bookworm"]),
    ({"langfuse_enabled": False, **NO_CHAT, "postgres_container_image_tag": "0.8.1-pg16-bookworm", "ollama_instances": 1, "traefik_enabled": False,
      "docling_container_image_tag": "v1.38.3"},
     ["ollama/ollama:0.32.6", "pgvector/pgvector:0.8.1-pg16-bookworm", "python:3.13.9-slim-bookworm",
      "quay.io/docling-project/docling-serve-cpu:v1.38.3", "redis:7.4.7-bookworm"]),
    # your own ClickHouse and S3: Langfuse's web and worker only
    ({"langfuse_clickhouse_url": "http://ch.internal:8123", "langfuse_clickhouse_migration_url": "clickhouse://ch.internal:9000",
      "langfuse_s3_endpoint": "https://s3.internal", "ollama_enabled": False, "redis_enabled": False, "docling_enabled": False,
      "rag_api_enabled": False, "traefik_enabled": False, "postgres_enabled": False, **NO_CHAT},
     LANGFUSE),
    # the chat front alone, Pipelines by its digest
    ({"langfuse_enabled": False, "ollama_enabled": False, "redis_enabled": False, "docling_enabled": False, "rag_api_enabled": False,
      "traefik_enabled": False, "postgres_enabled": False, "n8n_enabled": False, "prometheus_enabled": False}, CHAT),
    # n8n alone: main and workers, and its runners of the same release, through a mirror
    ({"langfuse_enabled": False, "ollama_enabled": False, "redis_enabled": False, "docling_enabled": False, "rag_api_enabled": False,
      "traefik_enabled": False, "postgres_enabled": False, "open_webui_enabled": False, "pipelines_enabled": False,
      "prometheus_enabled": False, "n8n_container_image_tag": "2.40.5", "aistack_container_image_registry_prefix": "mirror.example/"},
     ["mirror.example/docker.n8n.io/n8nio/n8n:2.40.5", "mirror.example/docker.n8n.io/n8nio/runners:2.40.5"]),
    # monitoring alone, without Alertmanager: Prometheus and node-exporter
    ({"langfuse_enabled": False, "ollama_enabled": False, "redis_enabled": False, "docling_enabled": False, "rag_api_enabled": False,
      "traefik_enabled": False, "postgres_enabled": False, "open_webui_enabled": False, "pipelines_enabled": False,
      "n8n_enabled": False, "prometheus_alertmanager_enabled": False},
     ["prom/node-exporter:v1.9.0", "prom/prometheus:v3.13.2"]),
])
def test_the_list_follows_the_inventory(extra_vars, expected):
    assert images(extra_vars) == expected
