import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { kubeboot } from '../support/cli.js';
import { resetTestNode } from '../support/reset-node.js';
import { engine, eventually, images, newTestRun } from '../support/docker.js';
import { tempDir } from '../support/temp.js';

// `kubeboot upgrade` on one node: init at v1.33.5, then to v1.34.2, then to v1.34.3 — a stand-in version
// built to fail at start (test/standins/build.sh) — which must be rolled back. etcd keeps its pinned
// local image (3.4.23-0), as kubeadm leaves an etcd whose version does not change. The control plane
// takes the fixed kubeadm ports, so the e2e files run one at a time.
const node = `u-${newTestRun()}`.slice(0, 40);
const OLD = 'v1.33.5';
const NEW = 'v1.34.2';
const BROKEN = 'v1.34.3';
/** Stand-ins whose kube-scheduler alone fails at start (test/standins/build.sh). */
const LATER_FAILS = 'v1.34.4';
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

interface PsRow {
  name: string;
  status: string;
  ready: string;
  containers: Array<{ image: string; id: string }>;
}

describe('kubeboot upgrade', { concurrency: false }, () => {
  let root = '';
  const manifest = (component: string) => readFile(join(root, 'etc/kubernetes/manifests', `${component}.yaml`), 'utf8');
  const kubectl = async (...args: string[]) => {
    const result = await execa('kubectl', ['--kubeconfig', join(root, 'etc/kubernetes/admin.conf'), ...args], { reject: false, stdin: 'ignore' });
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout;
  };
  const ps = async (): Promise<PsRow[]> => {
    const result = await kubeboot(['ps', '--node-name', node, '--rootfs', root, '-o', 'json']);
    assert.equal(result.exitCode, 0, result.stderr);
    return (JSON.parse(result.stdout) as { pods: PsRow[] }).pods;
  };
  /** Every control-plane pod Running and ready, the three components on `version`'s images. */
  const healthyAt = (version: string) =>
    eventually(`the control plane healthy at ${version}`, async () => {
      const pods = await ps();
      const ok = pods.length === 4 && pods.every((p) => p.status === 'Running' && p.ready === '1/1') && COMPONENTS.every((c) => pods.find((p) => p.name === `${c}-${node}`)?.containers[0]?.image === `kubeboot.local/${c}:${version}`);
      return ok ? pods : undefined;
    }, 90_000, 500);
  const upgrade = (...args: string[]) => kubeboot(['upgrade', ...args, '--rootfs', root]);
  /** The reconciler's last lines (init started it detached): what a failed step needs beside the CLI's output. */
  const fullLog = () => readFile(join(root, 'var/log/kubeboot/kubelet.log'), 'utf8').catch(() => '');
  const reconcilerLog = async () => (await fullLog()).split('\n').slice(-40).join('\n');

  after(async () => {
    if (root) await resetTestNode(root);
  });

  test(`init at ${OLD} (stand-ins of that version)`, async () => {
    await engine();
    root = await tempDir({
      'kubeboot.yaml': `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: ${node}}
localAPIEndpoint: {advertiseAddress: 127.0.0.1}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${OLD}
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd: {local: {imageTag: ${images.etcd.split(':')[1]}}}
`,
    });
    const init = await kubeboot(['init', '--config', join(root, 'kubeboot.yaml'), '--rootfs', root]);
    assert.equal(init.exitCode, 0, `${init.stdout}\n${init.stderr}`);
    await healthyAt(OLD);
    assert.match(await kubectl('get', '--raw', '/version'), new RegExp(`"gitVersion":"${OLD}"`), 'the stand-in reports the version it was built as');
  });

  test('plan lists the step: each component from the old image to the new; a skipped minor is refused', async () => {
    const text = await upgrade('plan', NEW);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Cluster version: ${OLD}`));
    for (const c of COMPONENTS) assert.match(text.stdout, new RegExp(`${c}\\s+${node}\\s+kubeboot.local/${c}:${OLD}\\s+kubeboot.local/${c}:${NEW}`));
    assert.match(text.stdout, /etcd\s+\S+\s+kubeboot\.local\/etcd:3\.4\.23-0\s+kubeboot\.local\/etcd:3\.4\.23-0 \(unchanged\)/);
    assert.match(text.stdout, new RegExp(`kubeboot upgrade apply ${NEW}`));
    const json = JSON.parse((await upgrade('plan', NEW, '-o', 'json')).stdout) as { clusterVersion: string; targetVersion: string; skew: { errors: string[] } };
    assert.deepEqual([json.clusterVersion, json.targetVersion, json.skew.errors], [OLD, NEW, []]);
    const skip = JSON.parse((await upgrade('plan', 'v1.31.0', '-o', 'json')).stdout) as { skew: { errors: string[] } };
    assert.match(skip.skew.errors.join('\n'), /more than one minor version below/);
  });

  test('diff shows only version-related changes, as a unified diff', async () => {
    const diff = await upgrade('diff', NEW);
    assert.equal(diff.exitCode, 0, diff.stderr);
    const changes = diff.stdout.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
    // What differs between kubeadm v1.33's and v1.34's manifests: the image tag, and v1.34's probes on a
    // named container port (probe-port) instead of a number. Nothing else (flags, volumes, files) may change.
    const versionRelated = [
      new RegExp(`^[-+]\\s+image: kubeboot\\.local/kube-[a-z-]+:(${OLD}|${NEW})$`),
      /^-\s+port: \d+$/,
      /^\+\s+port: probe-port$/,
      /^\+\s+ports:$/,
      /^\+\s+- containerPort: \d+$/,
      /^\+\s+name: probe-port$/,
      /^\+\s+protocol: TCP$/,
    ];
    for (const line of changes) assert.ok(versionRelated.some((re) => re.test(line)), `not a version-related change: ${line}\n${diff.stdout}`);
    assert.equal(changes.filter((l) => /image:/.test(l)).length, 6, 'one image line out and in, for each of the three');
    assert.match(diff.stdout, /^--- .*kube-apiserver\.yaml\tcurrent$/m);
    assert.doesNotMatch(diff.stdout, /etcd\.yaml/);
  });

  test('--dry-run checks and changes nothing', async () => {
    const before = await Promise.all([...COMPONENTS, 'etcd'].map((c) => manifest(c)));
    const dry = await upgrade('apply', NEW, '--dry-run');
    assert.equal(dry.exitCode, 0, `${dry.stdout}\n${dry.stderr}`);
    assert.match(dry.stdout, /nothing was changed/);
    assert.deepEqual(await Promise.all([...COMPONENTS, 'etcd'].map((c) => manifest(c))), before);
    assert.equal(await stat(join(root, 'etc/kubernetes/tmp')).catch(() => undefined), undefined, 'no backup made');
  });

  test(`apply ${NEW}: every component moves, healthy after each step; ps shows the new images; the cluster keeps the new configuration`, async () => {
    const logBefore = (await fullLog()).length;
    const apply = await upgrade('apply', NEW, '--yes', '--timeout', '90s');
    assert.equal(apply.exitCode, 0, `${apply.stdout}\n${apply.stderr}\nthe reconciler's log:\n${await reconcilerLog()}`);
    const during = (await fullLog()).slice(logBefore);
    for (const c of COMPONENTS) {
      const stops = during.split('\n').filter((line) => line.includes('msg="pod stopped"') && line.includes(`pod=kube-system/${c}-${node} `));
      assert.equal(stops.length, 1, `${c} is replaced once (the renewed certificates do not restart it on the old image first):\n${during}`);
    }
    assert.match(apply.stdout, new RegExp(`SUCCESS! Your control plane was upgraded to ${NEW}`));
    for (const c of COMPONENTS) assert.match(apply.stdout, new RegExp(`${c} runs kubeboot.local/${c}:${NEW}, healthy`));
    await healthyAt(NEW);
    assert.match(await kubectl('get', '--raw', '/version'), new RegExp(`"gitVersion":"${NEW}"`));
    const config = JSON.parse(await kubectl('get', 'configmap', '-n', 'kube-system', 'kubeadm-config', '-o', 'json')) as { data: { ClusterConfiguration: string } };
    assert.match(config.data.ClusterConfiguration, new RegExp(`kubernetesVersion: ${NEW}`));
    const backups = await readdir(join(root, 'etc/kubernetes/tmp'));
    const manifests = backups.find((b) => /^kubeadm-backup-manifests-\d{4}(-\d\d){5}$/.test(b));
    assert.ok(manifests, backups.join(', '));
    assert.match(await readFile(join(root, 'etc/kubernetes/tmp', manifests!, 'kube-apiserver.yaml'), 'utf8'), new RegExp(`kube-apiserver:${OLD}`));
  });

  test(`apply ${BROKEN}, whose components never come up: rolled back, the old control plane healthy, the error names the component, its state and last log lines`, async () => {
    const apply = await upgrade('apply', BROKEN, '--yes', '--timeout', '20s');
    const log = await reconcilerLog();
    assert.equal(apply.exitCode, 1, `${apply.stdout}\nthe reconciler's log:\n${log}`);
    assert.match(apply.stderr, new RegExp(`kube-apiserver did not come healthy on kubeboot.local/kube-apiserver:${BROKEN} within 20s; the upgrade was rolled back`));
    assert.match(apply.stderr, /kube-apiserver-\S+: (CrashLoopBackOff|Error|Running)/);
    assert.match(apply.stderr, /was built to fail/, `its last log lines; the reconciler's log:\n${log}`);
    assert.match(apply.stderr, new RegExp(`rolled back: kube-apiserver runs kubeboot.local/kube-apiserver:${NEW} again, healthy`));
    await healthyAt(NEW);
    assert.match(await manifest('kube-apiserver'), new RegExp(`kube-apiserver:${NEW}`));
    assert.match(await manifest('kube-scheduler'), new RegExp(`kube-scheduler:${NEW}`), 'the components after it were not touched');
  });

  // Issue 29 §9: the promise "rolled back with every component swapped before it", for a later component.
  test(`apply ${LATER_FAILS}, whose kube-scheduler alone never comes up: the API server and controller-manager, already moved, are rolled back with it`, async () => {
    const apply = await upgrade('apply', LATER_FAILS, '--yes', '--timeout', '20s');
    const log = await reconcilerLog();
    assert.equal(apply.exitCode, 1, `${apply.stdout}\nthe reconciler's log:\n${log}`);
    for (const moved of ['kube-apiserver', 'kube-controller-manager']) {
      assert.match(apply.stdout, new RegExp(`${moved} runs kubeboot.local/${moved}:${LATER_FAILS}, healthy`), `${moved} moved before kube-scheduler failed`);
    }
    assert.match(apply.stderr, new RegExp(`kube-scheduler did not come healthy on kubeboot.local/kube-scheduler:${LATER_FAILS} within 20s; the upgrade was rolled back`));
    for (const component of COMPONENTS) {
      assert.match(apply.stderr, new RegExp(`rolled back: ${component} runs kubeboot.local/${component}:${NEW} again, healthy`), component);
    }
    await healthyAt(NEW);
    for (const component of COMPONENTS) assert.match(await manifest(component), new RegExp(`${component}:${NEW}`), component);
  });

  // Issue 29 §9: the rollback of etcd. The cluster's ClusterConfiguration is edited (as `kubectl edit cm
  // kubeadm-config` would) to a newer etcd tag — the same etcd, tagged anew by this test — so that apply
  // swaps etcd first; kube-scheduler then fails, and etcd goes back with its data as the backup has it.
  test(`apply ${LATER_FAILS} with a new etcd tag: etcd, swapped first, is rolled back with its data; what the cluster held before is still there`, async () => {
    const docker = await engine();
    const [etcdRepo, etcdTag] = images.etcd.split(':') as [string, string];
    const newerTag = etcdTag.replace(/-(\d+)$/, (_, n: string) => `-${Number(n) + 1}`);
    await docker.getImage(images.etcd).tag({ repo: etcdRepo, tag: newerTag });
    try {
      const configMap = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'json')) as { data: { ClusterConfiguration: string } };
      assert.match(configMap.data.ClusterConfiguration, new RegExp(`imageTag: ${etcdTag}`));
      configMap.data.ClusterConfiguration = configMap.data.ClusterConfiguration.replace(`imageTag: ${etcdTag}`, `imageTag: ${newerTag}`);
      const edited = join(root, 'kubeadm-config.json');
      await writeFile(edited, JSON.stringify(configMap));
      await kubectl('replace', '--validate=false', '-f', edited);
      // As a file: kubectl sends `create configmap` as protobuf, which the stand-in does not speak.
      const before = join(root, 'before.json');
      await writeFile(before, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before-the-upgrade', namespace: 'default' }, data: { k: 'v' } }));
      await kubectl('create', '--validate=false', '-f', before);

      const apply = await upgrade('apply', LATER_FAILS, '--yes', '--timeout', '20s');
      const log = await reconcilerLog();
      assert.equal(apply.exitCode, 1, `${apply.stdout}\nthe reconciler's log:\n${log}`);
      assert.match(apply.stdout, new RegExp(`etcd runs ${etcdRepo}:${newerTag}, healthy`), 'etcd moved first');
      assert.match(apply.stdout, /etcd data: \S+kubeadm-backup-etcd-/, 'its data was backed up');
      assert.match(apply.stderr, new RegExp(`kube-scheduler did not come healthy on kubeboot.local/kube-scheduler:${LATER_FAILS} within 20s; the upgrade was rolled back`));
      assert.match(apply.stderr, new RegExp(`rolled back: etcd runs ${etcdRepo}:${etcdTag} again, healthy`));
      await healthyAt(NEW);
      assert.match(await manifest('etcd'), new RegExp(`etcd:${etcdTag}\n`));
      assert.equal(JSON.parse(await kubectl('get', '--raw', '/api/v1/namespaces/default/configmaps/before-the-upgrade')).data.k, 'v', 'what etcd held before the upgrade');
    } finally {
      await docker.getImage(`${etcdRepo}:${newerTag}`).remove({ noprune: true }).catch(() => undefined);
    }
  });
});
