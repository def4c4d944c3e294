// The REST verbs of the API server STAND-IN over the etcd store: get, list (label and field
// selectors), create, update (optimistic concurrency on resourceVersion), patch (JSON merge patch;
// strategic merge patch is applied as a merge patch, which is the same for the patches kubeboot sends),
// delete (preconditions; pods bound to a node are deleted gracefully unless gracePeriodSeconds is 0).
// Errors are the real server's Status bodies and codes.
'use strict';
const crypto = require('node:crypto');
const { storageKey, parsePath, discovery } = require('./resources.cjs');
const { Conflict } = require('./etcd-store.cjs');
const { authenticate, authorize, nodeRestriction } = require('./auth.cjs');

class HttpError extends Error {
  constructor(code, reason, message, details) {
    super(message);
    Object.assign(this, { code, reason, details });
  }
}
const status = (code, reason, message, details) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
const notFound = (r, name) => new HttpError(404, 'NotFound', `${r.name} "${name}" not found`, { name, kind: r.name });

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATH_SEGMENT_NAME = /^[^/%]+$/; // RBAC objects may hold ':' and capitals: the real rule only forbids '/', '%', '.' and '..'

function validateName(r, name) {
  const rbac = r.group === 'rbac.authorization.k8s.io';
  const ok = rbac ? PATH_SEGMENT_NAME.test(name) && name !== '.' && name !== '..' : name.length <= 253 && DNS_SUBDOMAIN.test(name);
  if (!ok) throw new HttpError(422, 'Invalid', `${r.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
}

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function labelSelectorMatches(selector, labels) {
  return selector.split(',').filter(Boolean).every((term) => {
    const m = /^\s*(!?)([^!=\s]+)\s*(?:(==?|!=)\s*(\S*))?\s*$/.exec(term);
    if (!m) throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${term}`);
    const [, not, key, op, value] = m;
    if (!op) return not ? !(key in labels) : key in labels;
    return op === '!=' ? labels[key] !== value : labels[key] === value;
  });
}

function fieldSelectorMatches(selector, object) {
  return selector.split(',').filter(Boolean).every((term) => {
    const m = /^([a-zA-Z.]+)(==?|!=)(.*)$/.exec(term);
    if (!m) throw new HttpError(400, 'BadRequest', `invalid field selector: ${term}`);
    const value = m[1].split('.').reduce((o, k) => (o == null ? undefined : o[k]), object) ?? '';
    return m[2] === '!=' ? String(value) !== m[3] : String(value) === m[3];
  });
}

function withVersion(entry) {
  return { ...entry.object, metadata: { ...entry.object.metadata, resourceVersion: entry.resourceVersion } };
}

async function handle(req, body, ctx) {
  const url = new URL(req.url || '/', 'https://standin');
  const who = await authenticate(req, ctx.store);
  if (who.error) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
  ctx.log(`${req.method} ${url.pathname}${url.search} as ${who.user}`);
  const doc = discovery(url.pathname, ctx.serverAddress);
  if (doc) return [200, doc];
  const target = parsePath(url.pathname);
  if (!target) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  if (target.unknown) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (the stand-in does not serve ${target.unknown})`);
  const { resource: r, namespace, name, subresource } = target;
  if (subresource && !(subresource === 'status' && r.status)) throw new HttpError(404, 'NotFound', `the stand-in does not serve ${r.name}/${subresource}`);
  const verb = { GET: name ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[req.method];
  if (!verb || (verb === 'create' && name) || (verb !== 'get' && verb !== 'list' && verb !== 'create' && !name)) throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not supported here`);
  const objectName = verb === 'create' ? body && body.metadata && body.metadata.name : name;
  const attrs = { verb, group: r.group, resource: subresource ? `${r.name}/${subresource}` : r.name, namespace, name: objectName };
  if (!(await authorize(who, attrs, ctx.store))) {
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    throw new HttpError(403, 'Forbidden', `${r.name}${name ? ` "${name}"` : ''} is forbidden: User "${who.user}" cannot ${verb} resource "${attrs.resource}" in API group "${r.group}"${where}`, { name, kind: r.name });
  }
  if (namespace && verb === 'create' && !(await ctx.store.get(`/registry/namespaces/${namespace}`))) throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`);
  const key = (n) => storageKey(r, namespace, n);

  if (verb === 'list') {
    const { items, resourceVersion } = await ctx.store.list(key());
    const labels = url.searchParams.get('labelSelector') || '';
    const fields = url.searchParams.get('fieldSelector') || '';
    const objects = items.map(withVersion).filter((o) => labelSelectorMatches(labels, (o.metadata && o.metadata.labels) || {}) && fieldSelectorMatches(fields, o));
    return [200, { kind: `${r.kind}List`, apiVersion: r.apiVersion, metadata: { resourceVersion }, items: objects.map((o) => ({ apiVersion: r.apiVersion, kind: r.kind, ...o })) }];
  }
  const current = name ? await ctx.store.get(key(name)) : undefined;
  if (verb === 'get') {
    if (!current) throw notFound(r, name);
    return [200, withVersion(current)];
  }
  if (verb === 'create') {
    if (!body || typeof body !== 'object' || !body.metadata) throw new HttpError(400, 'BadRequest', 'the body is not an object with metadata');
    if (!objectName) throw new HttpError(422, 'Invalid', `${r.kind} is invalid: metadata.name: Required value: name or generateName is required`);
    validateName(r, objectName);
    const problem = nodeRestriction(who, verb, r, body, undefined, await ctx.nodeUid(who));
    if (problem) throw new HttpError(403, 'Forbidden', problem);
    const object = { ...body, apiVersion: r.apiVersion, kind: r.kind, metadata: { ...body.metadata, ...(namespace ? { namespace } : {}), uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } };
    try {
      object.metadata.resourceVersion = await ctx.store.create(key(objectName), object);
    } catch (err) {
      if (err instanceof Conflict) throw new HttpError(409, 'AlreadyExists', `${r.name} "${objectName}" already exists`, { name: objectName, kind: r.name });
      throw err;
    }
    return [201, object];
  }
  // As the real server's GuaranteedUpdate: a write the client did not pin to a resourceVersion is
  // retried on the newest object when something else wrote in between (a node's status, say).
  for (let attempt = 1; ; attempt++) {
    const latest = attempt === 1 ? current : await ctx.store.get(key(name));
    if (!latest) throw notFound(r, name);
    try {
      return await writeExisting({ req, body, who, r, namespace, name, subresource, verb, key: key(name), old: withVersion(latest), store: ctx.store });
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      if (attempt >= 5) throw conflict(r, name);
    }
  }
}

/** delete, update or patch of an object that exists (`old`); a Conflict from the store means "read it again". */
async function writeExisting({ req, body, who, r, namespace, name, subresource, verb, key, old, store }) {
  if (verb === 'delete') {
    const pre = (body && body.preconditions) || {};
    if (pre.uid && pre.uid !== old.metadata.uid) throw new HttpError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    const problem = nodeRestriction(who, verb, r, undefined, old);
    if (problem) throw new HttpError(403, 'Forbidden', problem);
    const grace = body && body.gracePeriodSeconds !== undefined ? body.gracePeriodSeconds : 30;
    if (r.name === 'pods' && old.spec && old.spec.nodeName && grace > 0 && !old.metadata.deletionTimestamp) {
      const marked = { ...old, metadata: { ...old.metadata, deletionTimestamp: new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z'), deletionGracePeriodSeconds: grace } };
      marked.metadata.resourceVersion = await store.update(key, marked, old.metadata.resourceVersion);
      return [200, marked];
    }
    await store.delete(key, old.metadata.resourceVersion);
    return [200, old];
  }
  let next;
  if (verb === 'patch') {
    const type = (req.headers['content-type'] || '').split(';')[0];
    if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') throw new HttpError(415, 'UnsupportedMediaType', `the stand-in applies merge and strategic merge patches, not ${type}`);
    next = mergePatch(old, body);
  } else {
    next = body;
    if (!next || !next.metadata) throw new HttpError(400, 'BadRequest', 'the body is not an object with metadata');
    if (next.metadata.name !== name) throw new HttpError(400, 'BadRequest', `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(r, name);
  }
  const pinned = verb === 'update' && Boolean(next.metadata.resourceVersion);
  const problem = nodeRestriction(who, 'update', r, next, old);
  if (problem) throw new HttpError(403, 'Forbidden', problem);
  // The status subresource changes only status; the main resource keeps the stored status.
  const merged = subresource ? { ...old, status: next.status } : { ...next, ...(r.status ? { status: old.status } : {}) };
  merged.apiVersion = r.apiVersion;
  merged.kind = r.kind;
  merged.metadata = { ...merged.metadata, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp, ...(namespace ? { namespace } : {}) };
  try {
    merged.metadata.resourceVersion = await store.update(key, merged, old.metadata.resourceVersion);
  } catch (err) {
    if (err instanceof Conflict && pinned) throw conflict(r, name);
    throw err;
  }
  return [200, merged];
}

function conflict(r, name) {
  return new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${r.name}${r.group ? `.${r.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: r.name });
}

/** An http(s) request handler: the JSON answer or the Status body of the failure. */
function restHandler(ctx) {
  return (req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', async () => {
      let answer;
      try {
        let body;
        const type = (req.headers['content-type'] || 'application/json').split(';')[0];
        if (text && !type.endsWith('json')) throw new HttpError(415, 'UnsupportedMediaType', `the stand-in takes JSON bodies, not ${type}`);
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          throw new HttpError(400, 'BadRequest', 'the request body is not JSON');
        }
        answer = await handle(req, body, ctx);
      } catch (err) {
        answer = err instanceof HttpError ? [err.code, status(err.code, err.reason, err.message, err.details)] : [500, status(500, 'InternalError', `Internal error occurred: ${err.message}`)];
      }
      res.writeHead(answer[0], { 'Content-Type': 'application/json' }).end(JSON.stringify(answer[1]));
    });
  };
}

module.exports = { restHandler };
