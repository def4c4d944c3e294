// The controllers of the controller-manager STAND-IN that kubeadm relies on (it starts the real one with
// --controllers=*,bootstrapsigner,tokencleaner): the bootstrap signer, which signs the kubeconfig in
// kube-public/cluster-info with every signing bootstrap token (key jws-kubeconfig-<token-id>, a detached
// HS256 JWS, as k8s.io/cluster-bootstrap/token/jws makes it) and drops signatures of other tokens; the
// token cleaner, which deletes expired token Secrets; and the part of the garbage collector that deletes
// a Secret whose owner Secret is gone (kubeadm-certs follows its 2-hour token). Polls once a second.
'use strict';
const crypto = require('node:crypto');

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
const decode = (value) => Buffer.from(value || '', 'base64').toString('utf8');

/** The detached JWS of `payload` signed with a token: `<header>..<signature>`. */
function detachedJws(payload, tokenId, tokenSecret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = crypto.createHmac('sha256', tokenSecret).update(`${header}.${b64url(payload)}`).digest();
  return `${header}..${b64url(signature)}`;
}

function tokens(secrets, now) {
  return secrets
    .filter((s) => s.type === 'bootstrap.kubernetes.io/token' && /^bootstrap-token-[a-z0-9]{6}$/.test(s.metadata.name))
    .map((s) => ({ secret: s, data: Object.fromEntries(Object.entries(s.data || {}).map(([k, v]) => [k, decode(v)])) }))
    .map((t) => ({ ...t, id: t.data['token-id'], expired: Boolean(t.data.expiration) && Date.parse(t.data.expiration) < now }))
    .filter((t) => t.id === t.secret.metadata.name.slice('bootstrap-token-'.length));
}

async function signClusterInfo(call, valid) {
  let info;
  try {
    info = await call('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
  } catch (err) {
    if (err.status === 404) return;
    throw err;
  }
  const kubeconfig = (info.data || {}).kubeconfig;
  if (kubeconfig === undefined) return;
  const wanted = Object.fromEntries(valid.filter((t) => t.data['usage-bootstrap-signing'] === 'true').map((t) => [`jws-kubeconfig-${t.id}`, detachedJws(kubeconfig, t.id, t.data['token-secret'])]));
  const data = Object.fromEntries(Object.entries(info.data).filter(([key]) => !key.startsWith('jws-kubeconfig-')));
  Object.assign(data, wanted);
  if (JSON.stringify(Object.entries(data).sort()) === JSON.stringify(Object.entries(info.data).sort())) return;
  await call('PUT', '/api/v1/namespaces/kube-public/configmaps/cluster-info', { ...info, data });
}

async function reconcileOnce(call, log) {
  const secrets = (await call('GET', '/api/v1/namespaces/kube-system/secrets')).items;
  const all = tokens(secrets, Date.now());
  for (const token of all.filter((t) => t.expired)) {
    await call('DELETE', `/api/v1/namespaces/kube-system/secrets/${token.secret.metadata.name}`, { preconditions: { uid: token.secret.metadata.uid } });
    log(`tokencleaner: deleted expired token ${token.id}`);
  }
  await signClusterInfo(call, all.filter((t) => !t.expired));
  const live = new Map(secrets.filter((s) => !all.some((t) => t.expired && t.secret === s)).map((s) => [s.metadata.name, s.metadata.uid]));
  for (const secret of secrets) {
    const owners = (secret.metadata.ownerReferences || []).filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret');
    if (owners.length > 0 && owners.every((o) => live.get(o.name) !== o.uid)) {
      await call('DELETE', `/api/v1/namespaces/kube-system/secrets/${secret.metadata.name}`, { preconditions: { uid: secret.metadata.uid } });
      log(`garbagecollector: deleted secret ${secret.metadata.name}, its owner is gone`);
    }
  }
}

function runControllers(call, log, fail) {
  let failures = 0;
  const tick = async () => {
    try {
      await reconcileOnce(call, log);
      failures = 0;
    } catch (err) {
      if (++failures === 1 || failures % 30 === 0) log(`controllers: ${err.message}`);
      if (failures > 300) fail(`the controllers failed for five minutes: ${err.message}`);
    }
    setTimeout(tick, 1000).unref();
  };
  tick();
}

module.exports = { runControllers, detachedJws };
