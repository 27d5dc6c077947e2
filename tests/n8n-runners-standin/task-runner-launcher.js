#!/usr/local/bin/node
// Stand-in for n8n's task-runner-launcher (a Go binary from GitHub releases, not obtainable here),
// the entrypoint of docker.n8n.io/n8nio/runners. What it keeps of the real launcher (contract:
// tests/images/contracts.yml): the runner types to launch are its arguments, each must be in
// /etc/n8n-task-runners.json (N8N_RUNNERS_CONFIG_PATH) or it exits 1; N8N_RUNNERS_AUTH_TOKEN is
// required and is exchanged at the broker (N8N_RUNNERS_TASK_BROKER_URI, POST /runners/auth) for a
// single-use grant token per launch; a runner gets only its `allowed-env` and `env-overrides`, the
// broker URI, the grant token and its health-check port - never the auth token; GET /healthz on
// N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT (5680) answers {"status":"ok"}; a runner that exits (idle
// shutdown) is launched again. What it leaves out: the lazy handshake (the real launcher waits for a
// task offer before launching; this one launches at once).
'use strict';
const fs = require('fs');
const http = require('http');
const {spawn} = require('child_process');

const env = process.env;
const log = (message) => console.log(`${new Date().toISOString()} launcher: ${message}`);
const fail = (message) => {
  console.error(`launcher: ${message}`);
  process.exit(1);
};

const brokerUri = env.N8N_RUNNERS_TASK_BROKER_URI || 'http://127.0.0.1:5679';
const authToken = env.N8N_RUNNERS_AUTH_TOKEN;
if (!authToken) fail('N8N_RUNNERS_AUTH_TOKEN is required');
const configPath = env.N8N_RUNNERS_CONFIG_PATH || '/etc/n8n-task-runners.json';
let config;
try {
  config = JSON.parse(fs.readFileSync(configPath, 'utf8'))['task-runners'] || [];
} catch (error) {
  fail(`failed to read config file at ${configPath}: ${error.message}`);
}
const types = process.argv.slice(2);
if (types.length === 0) fail('no runner type given (javascript, python)');
const runners = types.map((type) => {
  const runner = config.find((candidate) => candidate['runner-type'] === type);
  if (!runner) fail(`config file at ${configPath} does not contain requested runner type: ${type}`);
  return runner;
});

function runnerEnvironment(runner, grantToken) {
  const child = {};
  for (const name of runner['allowed-env'] || []) {
    if (env[name] !== undefined) child[name] = env[name];
  }
  Object.assign(child, runner['env-overrides'] || {});
  child.N8N_RUNNERS_TASK_BROKER_URI = brokerUri;
  child.N8N_RUNNERS_GRANT_TOKEN = grantToken;
  child.N8N_RUNNERS_HEALTH_CHECK_SERVER_ENABLED = 'true';
  child.N8N_RUNNERS_HEALTH_CHECK_SERVER_PORT = runner['health-check-server-port'] || '5681';
  return child;
}

async function fetchGrantToken() {
  for (;;) {
    try {
      const response = await fetch(`${brokerUri}/runners/auth`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({token: authToken}),
      });
      if (response.ok) return (await response.json()).data.token;
      log(`grant token refused by the broker (${response.status})`);
    } catch (error) {
      log(`broker not reachable at ${brokerUri}: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const children = new Set();
async function launch(runner) {
  const grantToken = await fetchGrantToken();
  log(`launching the ${runner['runner-type']} runner`);
  const child = spawn(runner.command, runner.args || [], {
    cwd: runner.workdir || '/home/runner',
    env: runnerEnvironment(runner, grantToken),
    stdio: 'inherit',
  });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    log(`the ${runner['runner-type']} runner exited (${signal || code}); launching it again`);
    setTimeout(() => launch(runner), 1000);
  });
}

http.createServer((request, response) => {
  if (request.url !== '/healthz' || request.method !== 'GET') {
    response.writeHead(request.url === '/healthz' ? 405 : 404);
    response.end();
    return;
  }
  response.writeHead(200, {'content-type': 'application/json'});
  response.end(JSON.stringify({status: 'ok'}));
}).listen(Number(env.N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT || 5680));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    process.exit(0);
  });
}
runners.forEach(launch);
