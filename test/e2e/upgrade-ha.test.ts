import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubeboot } from '../support/cli.js';
import { resetTestNode } from '../support/reset-node.js';
import { configPath, firstNodeConfig, testNode, type TestNode } from '../support/control-plane-nodes.js';
import { eventually, newTestRun } from '../support/docker.js';

// A three-node HA control plane (stacked etcd; nodes on 127.0.0.21-23 of this one machine, as in the join
// test) made at v1.33.5, then `upgrade apply v1.34.2` on node 1 and `upgrade node` on nodes 2 and 3, one
// at a time, while a client asks every API server for /livez four times a second: at every moment at
// least one must answer, as a load balancer in front of them would need.
const run = newTestRun().slice(-8);
const OLD = 'v1.33.5';
const NEW = 'v1.34.2';
const SHARED_PORTS = 'Port-6443,Port-2379,Port-2380,Port-2381,Port-10257,Port-10259,Port-10248';
let nodes: TestNode[];

interface PsRow {
  name: string;
  status: string;
  ready: string;
  containers: Array<{ image: string }>;
}

const healthyAt = (node: TestNode, version: string) =>
  eventually(`${node.name} healthy at ${version}`, async () => {
    const ps = await kubeboot(['ps', '--node-name', node.name, '--rootfs', node.root, '-o', 'json']);
    const pods = (JSON.parse(ps.stdout) as { pods: PsRow[] }).pods;
    const ok = pods.length === 4 && pods.every((p) => p.status === 'Running' && p.ready === '1/1') && pods.filter((p) => !p.name.startsWith('etcd-')).every((p) => p.containers[0]!.image.endsWith(`:${version}`));
    return ok ? true : undefined;
  }, 120_000, 500);

/** /livez of one API server, with the cluster CA: true when it answers ok within a second. */
function livez(node: TestNode, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: node.ip, port: 6443, path: '/livez', ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

before(async () => {
  nodes = await Promise.all([21, 22, 23].map((n) => testNode(`u${n}-${run}`, `127.0.0.${n}`, n === 21 ? 'init' : 'join')));
  await writeFile(configPath(nodes[0]!), firstNodeConfig(nodes[0]!).replace('kind: ClusterConfiguration\n', `kind: ClusterConfiguration\nkubernetesVersion: ${OLD}\n`));
});

describe('kubeboot upgrade on a three-node HA control plane', { concurrency: false }, () => {
  after(async () => {
    for (const node of [...(nodes ?? [])].reverse()) await resetTestNode(node.root);
  });

  test(`three control-plane nodes at ${OLD}`, async () => {
    const init = await kubeboot(['init', '--config', configPath(nodes[0]!), '--rootfs', nodes[0]!.root, '--upload-certs']);
    assert.equal(init.exitCode, 0, `${init.stdout}\n${init.stderr}`);
    const token = /--token (\S+)/.exec(init.stdout)?.[1];
    const hash = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(init.stdout)?.[1];
    const key = /--certificate-key ([0-9a-f]{64})/.exec(init.stdout)?.[1];
    assert.ok(token && hash && key, init.stdout);
    for (const node of nodes.slice(1)) {
      const joined = await kubeboot(['join', `${nodes[0]!.ip}:6443`, '--control-plane', '--token', token, '--discovery-token-ca-cert-hash', hash, '--certificate-key', key, '--apiserver-advertise-address', node.ip, '--node-name', node.name, '--patches', node.patches, '--rootfs', node.root, '--ignore-preflight-errors', SHARED_PORTS]);
      assert.equal(joined.exitCode, 0, `${node.name}:\n${joined.stdout}\n${joined.stderr}`);
    }
    for (const node of nodes) await healthyAt(node, OLD);
  });

  test(`apply ${NEW} on node 1, then upgrade node on nodes 2 and 3: every node at ${NEW}, and the API answered throughout`, async () => {
    const ca = await readFile(join(nodes[0]!.root, 'etc/kubernetes/pki/ca.crt'), 'utf8');
    const silent: number[] = [];
    let asked = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answers = await Promise.all(nodes.map((node) => livez(node, ca)));
        asked++;
        if (!answers.some(Boolean)) silent.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    try {
      const apply = await kubeboot(['upgrade', 'apply', NEW, '--yes', '--timeout', '90s', '--rootfs', nodes[0]!.root]);
      assert.equal(apply.exitCode, 0, `${apply.stdout}\n${apply.stderr}`);
      await healthyAt(nodes[0]!, NEW);
      for (const node of nodes.slice(1)) {
        const plan = JSON.parse((await kubeboot(['upgrade', 'plan', '-o', 'json', '--rootfs', node.root])).stdout) as { clusterVersion: string; nodeVersion: string };
        assert.deepEqual([plan.clusterVersion, plan.nodeVersion], [NEW, OLD], `${node.name}: the cluster is at ${NEW}, the node not yet`);
        const upgraded = await kubeboot(['upgrade', 'node', '--yes', '--timeout', '90s', '--rootfs', node.root]);
        assert.equal(upgraded.exitCode, 0, `${node.name}:\n${upgraded.stdout}\n${upgraded.stderr}`);
        assert.match(upgraded.stdout, new RegExp(`Node ${node.name} was upgraded to ${NEW}`));
        await healthyAt(node, NEW);
      }
    } finally {
      polling = false;
      await poller;
    }
    assert.ok(asked > 20, `the API was asked ${asked} times`);
    assert.deepEqual(silent, [], `no API server answered at ${silent.length} of ${asked} moments`);
    for (const node of nodes) assert.match(await readFile(join(node.root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'), new RegExp(`--bind-address=${node.ip.replace(/\./g, '\\.')}`), `${node.name} kept its patches`);
  });
});
