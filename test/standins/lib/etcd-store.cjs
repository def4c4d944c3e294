// The API server STAND-IN's storage: the real etcd, through its v3 JSON gateway (/v3/kv/*) over mTLS,
// with the real API server's key layout (/registry/<resource>/<namespace>/<name>) and its optimistic
// concurrency: an object's resourceVersion is the etcd mod_revision of its key, an update is a
// transaction that compares it. Objects are stored as JSON (the real server stores protobuf by default;
// it stores JSON with --storage-media-type=application/json), so `etcdctl get` shows them as they are.
'use strict';
const https = require('node:https');

const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text) => Buffer.from(text || '', 'base64').toString('utf8');

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix) {
  const bytes = Buffer.from(prefix, 'utf8');
  bytes[bytes.length - 1] += 1;
  return bytes.toString('base64');
}

class Conflict extends Error {}

class EtcdStore {
  constructor(endpoint, tls) {
    this.endpoint = endpoint.replace(/\/$/, '');
    this.agent = new https.Agent({ keepAlive: true, ...tls });
  }

  /** A read is retried while etcd elects a leader (503 "leader changed"), as clientv3 retries immutable calls. */
  async call(path, body) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(path, body);
      } catch (err) {
        if (path !== '/v3/kv/range' || err.status !== 503 || attempt >= 10) throw err;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }

  once(path, body) {
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.endpoint}${path}`, { method: 'POST', agent: this.agent, timeout: 10_000, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(Object.assign(new Error(`etcd ${path}: ${res.statusCode} ${text}`), { status: res.statusCode }));
          resolve(JSON.parse(text));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`etcd ${path}: timed out`)));
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  static entry(kv) {
    return { object: JSON.parse(unb64(kv.value)), resourceVersion: String(kv.mod_revision) };
  }

  async get(key) {
    const answer = await this.call('/v3/kv/range', { key: b64(key) });
    return answer.kvs && answer.kvs.length ? EtcdStore.entry(answer.kvs[0]) : undefined;
  }

  /** Every object under `prefix`, and the store's revision (a list's resourceVersion). */
  async list(prefix) {
    const answer = await this.call('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return { items: (answer.kvs || []).map(EtcdStore.entry), resourceVersion: String(answer.header.revision) };
  }

  /** Puts `object` if `key` does not exist; returns the new resourceVersion, or throws Conflict. */
  async create(key, object) {
    return this.txn(key, { target: 'CREATE', create_revision: '0' }, object);
  }

  /** Puts `object` if the key's resourceVersion is still `resourceVersion` (any, when undefined and it exists). */
  async update(key, object, resourceVersion) {
    return this.txn(key, resourceVersion ? { target: 'MOD', mod_revision: resourceVersion } : { target: 'CREATE', result: 'GREATER', create_revision: '0' }, object);
  }

  async txn(key, compare, object) {
    const stored = { ...object, metadata: { ...object.metadata } };
    delete stored.metadata.resourceVersion;
    const answer = await this.call('/v3/kv/txn', {
      compare: [{ key: b64(key), result: 'EQUAL', ...compare }],
      success: [{ request_put: { key: b64(key), value: b64(JSON.stringify(stored)) } }],
    });
    if (!answer.succeeded) throw new Conflict(key);
    return String(answer.header.revision);
  }

  /** Deletes `key` if its resourceVersion is still `resourceVersion`; false when it was gone. */
  async delete(key, resourceVersion) {
    const answer = await this.call('/v3/kv/txn', {
      compare: [{ key: b64(key), result: 'EQUAL', target: 'MOD', mod_revision: resourceVersion }],
      success: [{ request_delete_range: { key: b64(key) } }],
    });
    if (!answer.succeeded) throw new Conflict(key);
    return true;
  }
}

module.exports = { EtcdStore, Conflict };
