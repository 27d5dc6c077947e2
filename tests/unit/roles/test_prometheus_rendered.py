# Issue 18: the prometheus role as its validation phase builds it (tests/unit/playbooks/
# role_rendered.yml: the real validate.yml against this machine, nothing changed), and its alert
# rules under the real promtool (`promtool test rules`, from the Prometheus test image). REQUIREMENTS
# S12, REL6, B6, SEC3.
import pathlib
import re
import subprocess

import pytest
import yaml

import role_validation

ROOT = pathlib.Path(__file__).resolve().parents[3]
PROMETHEUS_IMAGE = "aistack-test/prometheus:" + (ROOT / "tests/images/prometheus/tag").read_text().strip()
ALERTMANAGER_IMAGE = "aistack-test/alertmanager:" + (ROOT / "tests/images/alertmanager/tag").read_text().strip()


def validation(extra_vars):
    return role_validation.validation("prometheus", extra_vars)


def rendered(extra_vars):
    msg = role_validation.shown("prometheus", extra_vars)
    return msg["document"]["services"], {f["path"]: f for f in msg["files"]["files"]}


def scrape_targets(files):
    config = yaml.safe_load(files["prometheus.yml"]["content"])
    return {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}


@pytest.fixture(scope="module")
def default():
    return rendered({})


def test_every_enabled_component_is_a_job_and_every_n8n_worker_a_target_by_name(default):
    _, files = default
    assert scrape_targets(files) == {
        "prometheus": ["prometheus:9090"], "alertmanager": ["alertmanager:9093"], "node": ["node-exporter:9100"],
        "traefik": ["traefik:8082"], "ollama": ["ollama-exporter:9778"], "rag_api": ["rag-api:8000"],
        "n8n": ["n8n:5678", "n8n-worker-1:5678", "n8n-worker-2:5678"]}


def test_the_ollama_exporter_keeps_the_instance_label_it_gives_each_sample(default):
    _, files = default
    jobs = {job["job_name"]: job for job in yaml.safe_load(files["prometheus.yml"]["content"])["scrape_configs"]}
    assert jobs["ollama"]["honor_labels"] is True
    assert [name for name, job in jobs.items() if job.get("honor_labels")] == ["ollama"]


def test_an_added_worker_is_scraped_and_a_disabled_component_has_no_job():
    _, files = rendered({"n8n_worker_count": 3, "rag_api_enabled": False, "ollama_exporter_enabled": False,
                         "traefik_enabled": False, "prometheus_node_exporter_enabled": False})
    assert scrape_targets(files) == {
        "prometheus": ["prometheus:9090"], "alertmanager": ["alertmanager:9093"],
        "n8n": ["n8n:5678", "n8n-worker-1:5678", "n8n-worker-2:5678", "n8n-worker-3:5678"]}


def test_a_custom_job_is_scraped_with_its_path():
    _, files = rendered({"prometheus_scrape_jobs_custom": [{"job": "myapp", "targets": ["myapp:9100"], "path": "/stats"}]})
    config = yaml.safe_load(files["prometheus.yml"]["content"])
    job = [j for j in config["scrape_configs"] if j["job_name"] == "myapp"][0]
    assert job["static_configs"][0]["targets"] == ["myapp:9100"] and job["metrics_path"] == "/stats"


def test_every_target_is_named_by_its_host_on_the_network(default):
    _, files = default
    config = yaml.safe_load(files["prometheus.yml"]["content"])
    for job in config["scrape_configs"]:
        relabel = job["relabel_configs"][0]
        assert relabel["target_label"] == "name" and relabel["source_labels"] == ["__address__"]
        for target in job["static_configs"][0]["targets"]:
            assert re.fullmatch(relabel["regex"], target).group(1) == target.split(":")[0]


def run_tool(image, mounts, command):
    """`command` in a test image of the real software (tests/images), with host paths mounted read-only."""
    present = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
    assert present.returncode == 0, "build the test image: tests/images/build.sh " + image.split("/")[1].split(":")[0]
    volumes = [arg for source, target in mounts.items() for arg in ("-v", "%s:%s:ro" % (source, target))]
    done = subprocess.run(["docker", "run", "--rm", "--user", "0", "--entrypoint", command[0]] + volumes + [image] + command[1:],
                          capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def test_the_alert_rules_pass_their_promtool_tests(default, tmp_path):
    _, files = default
    (tmp_path / "aistack.yml").write_text(files["alert-rules.yml"]["content"])
    (tmp_path / "test.yml").write_text((ROOT / "roles/prometheus/files/alert-rules-test.yml").read_text())
    code, output = run_tool(PROMETHEUS_IMAGE, {tmp_path: "/rules"}, ["/bin/promtool", "test", "rules", "/rules/test.yml"])
    assert code == 0 and "SUCCESS" in output, output


def test_promtool_accepts_the_configuration_with_its_rules(default, tmp_path):
    _, files = default
    (tmp_path / "prometheus.yml").write_text(files["prometheus.yml"]["content"])
    (tmp_path / "aistack.yml").write_text(files["alert-rules.yml"]["content"])
    code, output = run_tool(PROMETHEUS_IMAGE, {tmp_path / "prometheus.yml": "/etc/prometheus/prometheus.yml",
                                               tmp_path / "aistack.yml": "/etc/prometheus/rules/aistack.yml"},
                            ["/bin/promtool", "check", "config", "/etc/prometheus/prometheus.yml"])
    assert code == 0 and "8 rules found" in output, output


def test_every_rule_of_the_issue_is_there_and_has_a_promtool_test(default):
    _, files = default
    rules = [r["alert"] for g in yaml.safe_load(files["alert-rules.yml"]["content"])["groups"] for r in g["rules"]]
    tests = yaml.safe_load((ROOT / "roles/prometheus/files/alert-rules-test.yml").read_text())["tests"]
    tested = {t["alertname"] for test in tests for t in test["alert_rule_test"] if t["exp_alerts"]}
    assert sorted(rules) == sorted(["HostMemoryLow", "HostDiskFillingUp", "BackupTooOld", "TargetDown", "ServiceRestarting",
                                    "OllamaInstanceDown", "PostgresConnectionsNearLimit", "RedisMemoryNearMaxmemory"])
    assert tested == set(rules)


def test_no_receiver_by_default(default):
    _, files = default
    config = yaml.safe_load(files["alertmanager.yml"]["content"])
    assert config["route"]["receiver"] == "none" and config["receivers"] == [{"name": "none"}]
    assert "alertmanager-smtp-password" not in files


def test_webhook_and_mail_receivers_keep_the_password_in_a_file_of_its_own_and_amtool_accepts_them(tmp_path):
    _, files = rendered({"prometheus_alertmanager_webhook_urls": ["https://hooks.example.com/T0/abc"],
                         "prometheus_alertmanager_email_to": ["ops@example.com"],
                         "prometheus_alertmanager_email_from": "alerts@example.com",
                         "prometheus_alertmanager_email_smarthost": "smtp.example.com:587",
                         "prometheus_alertmanager_email_username": "alerts",
                         "prometheus_alertmanager_email_password": "s3cret-Mail-Pass"})
    content = files["alertmanager.yml"]["content"]
    config = yaml.safe_load(content)
    receiver = [r for r in config["receivers"] if r["name"] == config["route"]["receiver"]][0]
    assert receiver["webhook_configs"][0]["url"] == "https://hooks.example.com/T0/abc"
    mail = receiver["email_configs"][0]
    assert (mail["to"], mail["from"], mail["smarthost"], mail["auth_username"]) == (
        "ops@example.com", "alerts@example.com", "smtp.example.com:587", "alerts")
    assert mail["auth_password_file"] == "/etc/alertmanager/smtp-password"
    assert "s3cret-Mail-Pass" not in content
    secret = files["alertmanager-smtp-password"]
    assert secret["content"] == "s3cret-Mail-Pass" and secret["mode"] == "0400" and secret["owner"] == "65534"
    assert files["alertmanager.yml"]["mode"] == "0400"
    (tmp_path / "alertmanager.yml").write_text(content)
    (tmp_path / "smtp-password").write_text(secret["content"])
    code, output = run_tool(ALERTMANAGER_IMAGE, {tmp_path: "/etc/alertmanager"},
                            ["/bin/amtool", "check-config", "/etc/alertmanager/alertmanager.yml"])
    assert code == 0 and "SUCCESS" in output and "2 receivers" in output, output


def test_nothing_is_published_and_each_container_runs_as_nobody_read_only(default):
    services, _ = default
    assert sorted(services) == ["alertmanager", "node-exporter", "prometheus"]
    for name, service in services.items():
        assert "ports" not in service and service.get("network_mode") != "host", name
        assert service["user"] == "65534:65534" and service["read_only"] is True, name
        assert service["healthcheck"]["test"][:2] == ["CMD", "wget"], name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_node_exporter_reads_the_host_read_only(default):
    services, _ = default
    volumes = services["node-exporter"]["volumes"]
    assert "/proc:/host/proc:ro" in volumes and "/sys:/host/sys:ro" in volumes and "/:/host/root:ro,rslave" in volumes
    assert all(v.split(":")[2].startswith("ro") for v in volumes)


def test_both_pages_are_routed_with_basic_auth(default):
    services, _ = default
    for service, host in (("prometheus", "prometheus.aistack.localhost"), ("alertmanager", "alertmanager.aistack.localhost")):
        labels = services[service]["labels"]
        rules = [v for k, v in labels.items() if k.endswith(".rule")]
        assert rules == ["Host(`%s`)" % host], service
        assert any(k.endswith(".basicauth.users") for k in labels), service


@pytest.mark.parametrize("extra, variable", [
    ({"prometheus_retention_time": "15 days"}, "prometheus_retention_time"),
    ({"prometheus_alert_ollama_down_for": "0m"}, "prometheus_alert_ollama_down_for"),
    ({"prometheus_alert_memory_available_share": 1.5}, "prometheus_alert_memory_available_share"),
    ({"prometheus_alert_restarts_count": 0}, "prometheus_alert_restarts_count"),
    ({"prometheus_scrape_jobs_custom": [{"job": "node", "targets": ["x:1"]}]}, "the job name node is one of the role's own"),
    ({"prometheus_scrape_jobs_custom": [{"job": "myapp", "targets": ["http://myapp:9100"]}]}, "must be host:port"),
    ({"prometheus_scrape_jobs_custom": [{"job": "myapp", "targets": ["myapp:1"]}, {"job": "myapp", "targets": ["b:1"]}]},
     "two jobs have the same name (myapp)"),
    ({"prometheus_alertmanager_email_to": ["ops@example.com"]}, "prometheus_alertmanager_email_smarthost"),
    ({"prometheus_alertmanager_webhook_urls": ["hooks.example.com/x"]}, "prometheus_alertmanager_webhook_urls"),
    ({"prometheus_route_host": "prometheus.other.org"}, "prometheus_route_host"),
])
def test_bad_input_is_refused_in_the_validation_phase_naming_the_variable(extra, variable):
    _, failed = validation(extra)
    assert failed and any(variable in str(message) for message in failed), failed
