#!/usr/bin/node
// A STAND-IN for kube-apiserver, kube-controller-manager and kube-scheduler, for kubeboot's tests and
// demo only: their real images need a registry, which this machine cannot reach. It accepts the real
// command lines and CHECKS the wiring instead of faking success — every file a flag names exists and
// parses, certificates chain to the CA their flag says and match their keys, the API server stand-in
// talks to the real etcd over mTLS, the others reach the API server stand-in with their kubeconfig's
// client certificate — and exits non-zero with the reason when a check fails. Node built-ins only.
//
// The API server stand-in then serves the Kubernetes REST API for the resources kubeboot and kubeadm
// join use (lib/resources.cjs), storing every object in the real etcd under the real key layout
// (lib/etcd-store.cjs), with client-certificate, bootstrap-token and anonymous authentication and RBAC
// (lib/auth.cjs). The controller-manager stand-in runs the bootstrap signer and token cleaner
// (lib/controllers.cjs). They are not Kubernetes: no watch, no admission beyond NodeRestriction, no
// scheduling, no field validation beyond names.
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const crypto = require('node:crypto');
const path = require('node:path');
const { EtcdStore } = require('./lib/etcd-store.cjs');
const { ensureBootstrapPolicy } = require('./lib/policy.cjs');
const { restHandler } = require('./lib/rest.cjs');
const { runControllers } = require('./lib/controllers.cjs');

const component = path.basename(process.argv[1]);
// Beside the script when installed as processes (install-processes.sh), else where the image keeps them.
const SUPPORT = fs.existsSync(path.join(__dirname, 'etc', 'version')) ? path.join(__dirname, 'etc') : '/etc/kubeboot-standin';
const VERSION = (() => {
  try {
    return fs.readFileSync(path.join(SUPPORT, 'version'), 'utf8').trim();
  } catch {
    return 'v1.34.2'; // run from the source tree (tests): the version the images are built as
  }
})();
if (process.argv[2] === '--version') {
  // As the real components print it: the process runtime checks a binary's version against the image tag.
  process.stdout.write(`Kubernetes ${VERSION}\n`);
  process.exit(0);
}
if (fs.existsSync(path.join(SUPPORT, 'fail'))) {
  // An image variant that build.sh makes for the upgrade tests: a new version that never comes up.
  process.stderr.write(`${new Date().toISOString()} ${component} (kubeboot stand-in): FAILED: this stand-in ${VERSION} was built to fail (${fs.readFileSync(path.join(SUPPORT, 'fail'), 'utf8').trim()})\n`);
  process.exit(1);
}
const args = new Map();
for (const arg of process.argv.slice(2)) {
  const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
  if (!match) fail(`unexpected argument ${JSON.stringify(arg)}`);
  args.set(match[1], match[2] ?? 'true');
}

function log(message) {
  process.stdout.write(`${new Date().toISOString()} ${component} (kubeboot stand-in): ${message}\n`);
}
function fail(message) {
  process.stderr.write(`${new Date().toISOString()} ${component} (kubeboot stand-in): FAILED: ${message}\n`);
  process.exit(1);
}
function flag(name) {
  const value = args.get(name);
  if (value === undefined || value === '') fail(`--${name} is required`);
  return value;
}
function readFlagFile(name) {
  const file = flag(name);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(`--${name}=${file}: ${err.code || err.message}`);
  }
}
function certificate(pem, what) {
  try {
    return new crypto.X509Certificate(pem);
  } catch (err) {
    fail(`${what}: not a PEM certificate (${err.message})`);
  }
}
function privateKey(pem, what) {
  try {
    return crypto.createPrivateKey(pem);
  } catch (err) {
    fail(`${what}: not a PEM private key (${err.message})`);
  }
}
/** The certificate in `certFlag` is signed by the CA in `caFlag`, valid now, and its key is the one in `keyFlag`. */
function checkPair(certPem, certWhat, caPem, caWhat, keyPem, keyWhat) {
  const cert = certificate(certPem, certWhat);
  const ca = certificate(caPem, caWhat);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) fail(`${certWhat} (${cert.subject.replace(/\n/g, ',')}) is not signed by ${caWhat} (${ca.subject.replace(/\n/g, ',')})`);
  const now = Date.now();
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) fail(`${certWhat} is not valid now (${cert.validFrom} .. ${cert.validTo})`);
  if (keyPem !== undefined && !cert.checkPrivateKey(privateKey(keyPem, keyWhat))) fail(`${keyWhat} is not the key of ${certWhat}`);
  return cert;
}
function checkFlagPair(certFlag, caFlag, keyFlag) {
  return checkPair(readFlagFile(certFlag), `--${certFlag}`, readFlagFile(caFlag), `--${caFlag}`, keyFlag ? readFlagFile(keyFlag) : undefined, keyFlag ? `--${keyFlag}` : '');
}

/** The fields of a kubeconfig kubeboot writes (one cluster, one user, data embedded). */
function kubeconfig(name) {
  const text = readFlagFile(name);
  const field = (key) => {
    const match = new RegExp(`^\\s*${key}:\\s*(\\S+)\\s*$`, 'm').exec(text);
    if (!match) fail(`--${name}=${args.get(name)}: no ${key}`);
    return match[1].replace(/^["']|["']$/g, '');
  };
  const decode = (key) => Buffer.from(field(key), 'base64').toString('utf8');
  const config = { server: field('server'), ca: decode('certificate-authority-data'), cert: decode('client-certificate-data'), key: decode('client-key-data') };
  checkPair(config.cert, `--${name} client certificate`, config.ca, `--${name} certificate-authority-data`, config.key, `--${name} client key`);
  return config;
}

function request(url, options, body) {
  return new Promise((resolve, reject) => {
    // Content-Length always: Node sends a DELETE body neither chunked nor sized otherwise, which servers reject.
    const headers = { ...(options.headers || {}), ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }) };
    const req = https.request(url, { timeout: 5000, ...options, headers }, (res) => {
      let data = '';
      res.on('data', (chunk) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Tries `fn` until it resolves, for up to `seconds`: the component it needs may start after this one. */
async function retry(what, seconds, fn) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) fail(`${what}: ${last && last.message}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function serve({ host, port, cert, key, ca, routes, fallback }) {
  // Responses not yet sent: on SIGTERM they close their connection, as the real servers' graceful shutdown does.
  const pending = new Set();
  let stopping = false;
  const server = https.createServer({ cert, key, ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}) }, (req, res) => {
    pending.add(res);
    res.on('close', () => pending.delete(res));
    if (stopping) res.setHeader('Connection', 'close');
    const route = routes[(req.url || '/').split('?')[0]];
    if (!route) return fallback ? fallback(req, res) : res.writeHead(404).end('not found\n');
    const [status, text] = route(req);
    res.writeHead(status, { 'Content-Type': text.startsWith('{') ? 'application/json' : 'text/plain' }).end(text);
  });
  // As the real components' secure serving (k8s.io/apiserver: IdleTimeout 90 s), not Node's 5 s: a client
  // that comes back every 10 s (lease renewals, liveness probes) keeps its connection instead of a new handshake.
  server.keepAliveTimeout = 90_000;
  server.on('error', (err) => fail(`cannot listen on ${host}:${port}: ${err.code || err.message}`));
  server.listen(port, host, () => log(`serving https://${host.includes(':') ? `[${host}]` : host}:${port}`));
  // server.close() alone ends only idle connections: a keep-alive client that polls every second would
  // keep one in use for ever, and the container would stop only at the grace period's SIGKILL.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log('shutting down: no new connections; requests in flight are answered, then their connections closed');
    for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const health = { '/livez': () => [200, 'ok'], '/readyz': () => [200, 'ok'], '/healthz': () => [200, 'ok'] };

async function apiserver() {
  const serving = checkFlagPair('tls-cert-file', 'client-ca-file', 'tls-private-key-file');
  const advertise = flag('advertise-address');
  if (!serving.checkIP(advertise)) fail(`--tls-cert-file does not name the advertise address ${advertise} in its SANs (${serving.subjectAltName})`);
  checkFlagPair('kubelet-client-certificate', 'client-ca-file', 'kubelet-client-key');
  checkFlagPair('proxy-client-cert-file', 'requestheader-client-ca-file', 'proxy-client-key-file');
  checkFlagPair('etcd-certfile', 'etcd-cafile', 'etcd-keyfile');
  const saPublic = crypto.createPublicKey(readFlagFile('service-account-key-file'));
  const saPrivate = privateKey(readFlagFile('service-account-signing-key-file'), '--service-account-signing-key-file');
  if (!crypto.createPublicKey(saPrivate).export({ type: 'spki', format: 'der' }).equals(saPublic.export({ type: 'spki', format: 'der' }))) {
    fail('--service-account-key-file is not the public key of --service-account-signing-key-file');
  }
  log('every certificate and key named on the command line exists, parses and chains to its CA');

  const etcd = flag('etcd-servers').split(',')[0];
  const store = new EtcdStore(etcd, { ca: readFlagFile('etcd-cafile'), cert: readFlagFile('etcd-certfile'), key: readFlagFile('etcd-keyfile') });
  await retry(`etcd at ${etcd} (mTLS with --etcd-certfile)`, 120, () => ensureBootstrapPolicy(store));
  log(`etcd at ${etcd} answers over mTLS; the system namespaces and the bootstrap RBAC policy are stored`);

  const host = args.get('bind-address') || '0.0.0.0';
  const port = Number(args.get('secure-port') || 6443);
  const version = VERSION;
  const nodeUid = async (who) => {
    const node = /^system:node:(.+)$/.exec(who.user);
    const found = node && (await store.get(`/registry/minions/${node[1]}`));
    return found ? found.object.metadata.uid : undefined;
  };
  serve({
    host,
    port,
    cert: readFlagFile('tls-cert-file'),
    key: readFlagFile('tls-private-key-file'),
    ca: readFlagFile('client-ca-file'),
    routes: {
      ...health,
      '/version': () => [200, JSON.stringify({ major: version.replace(/^v(\d+)\..*$/, '$1'), minor: version.replace(/^v\d+\.(\d+)\..*$/, '$1'), gitVersion: version, platform: `${process.platform}/amd64`, standin: true })],
    },
    fallback: restHandler({ store, serverAddress: `${advertise}:${port}`, nodeUid, log: args.get('v') >= 4 ? log : () => undefined }),
  });
}

async function controllerOrScheduler(defaultPort) {
  const main = kubeconfig('kubeconfig');
  kubeconfig('authentication-kubeconfig');
  kubeconfig('authorization-kubeconfig');
  if (component === 'kube-controller-manager') {
    checkFlagPair('cluster-signing-cert-file', 'root-ca-file', 'cluster-signing-key-file');
    certificate(readFlagFile('client-ca-file'), '--client-ca-file');
    certificate(readFlagFile('requestheader-client-ca-file'), '--requestheader-client-ca-file');
    privateKey(readFlagFile('service-account-private-key-file'), '--service-account-private-key-file');
  }
  log('every file named on the command line exists and parses; the kubeconfig client certificates chain to their CA');
  await retry(`the API server at ${main.server} (client certificate of --kubeconfig)`, 120, async () => {
    const res = await request(`${main.server}/api/v1/namespaces/default`, { method: 'GET', ca: main.ca, cert: main.cert, key: main.key });
    if (res.status !== 200) throw new Error(`answered ${res.status} ${res.body}`);
  });
  log(`the API server at ${main.server} accepts this component's client certificate`);
  serve({
    host: args.get('bind-address') || '0.0.0.0',
    port: Number(args.get('secure-port') || defaultPort),
    // The real components make a self-signed serving certificate when given none; this one was made when the image was built.
    cert: fs.readFileSync(path.join(SUPPORT, 'serving.crt'), 'utf8'),
    key: fs.readFileSync(path.join(SUPPORT, 'serving.key'), 'utf8'),
    routes: health,
  });
  if (component === 'kube-controller-manager') {
    const call = (method, url, body) => request(`${main.server}${url}`, { method, ca: main.ca, cert: main.cert, key: main.key, headers: { 'Content-Type': 'application/json' } }, body === undefined ? undefined : JSON.stringify(body)).then((res) => {
      if (res.status >= 300) throw Object.assign(new Error(`${method} ${url}: ${res.status} ${res.body.slice(0, 200)}`), { status: res.status });
      return JSON.parse(res.body);
    });
    runControllers(call, log, fail);
    log('running the bootstrapsigner, tokencleaner and (for owned secrets) garbage collector controllers');
  }
}

({ 'kube-apiserver': apiserver, 'kube-controller-manager': () => controllerOrScheduler(10257), 'kube-scheduler': () => controllerOrScheduler(10259) })[component]?.() ??
  fail(`unknown component (expected to be run as kube-apiserver, kube-controller-manager or kube-scheduler)`);
