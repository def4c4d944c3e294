import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ensureCertificates } from '../../src/pki/certificates.js';
import { writeStaticPods } from '../../src/render/write-manifests.js';
import { engine, eventually, images, newTestRun, removeTestContainers, TEST_RUN_LABEL } from '../support/docker.js';
import { tempDir } from '../support/temp.js';
import { Host } from '../../src/util/host.js';

// The manifest kubeboot renders for etcd 3.4 must run on the real etcd 3.4.23 and pass its own probes.
const run = newTestRun();
after(() => removeTestContainers(run));

interface HttpProbe {
  httpGet: { host: string; path: string; port: number | string; scheme: string };
}
interface EtcdPod {
  spec: {
    containers: Array<{ image: string; command: string[]; ports?: Array<{ name: string; containerPort: number }>; livenessProbe: HttpProbe; startupProbe: HttpProbe; volumeMounts: Array<{ name: string; mountPath: string }> }>;
    volumes: Array<{ name: string; hostPath: { path: string } }>;
  };
}

test('the rendered etcd 3.4 manifest starts on the local image and passes its startup and liveness probes', async () => {
  const base = 25000 + Math.floor(Math.random() * 500) * 4;
  const rootfs = await tempDir();
  const configFile = join(rootfs, 'kubeboot.yaml');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(
    configFile,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.0.0.1}
nodeRegistration: {name: e2e-etcd}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.6
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd:
  local:
    imageTag: 3.4.23-0
    extraArgs:
      - {name: listen-client-urls, value: "https://127.0.0.1:${base}"}
      - {name: advertise-client-urls, value: "https://127.0.0.1:${base}"}
      - {name: listen-peer-urls, value: "https://127.0.0.1:${base + 1}"}
      - {name: initial-advertise-peer-urls, value: "https://127.0.0.1:${base + 1}"}
      - {name: initial-cluster, value: "e2e-etcd=https://127.0.0.1:${base + 1}"}
      - {name: listen-metrics-urls, value: "http://127.0.0.1:${base + 2}"}
`,
  );
  const { config } = await loadConfig({ file: configFile });
  await ensureCertificates(config, Host.scratch(rootfs));
  const [written] = await writeStaticPods(config, Host.scratch(rootfs), ['etcd']);
  const pod = parse(written!.content) as EtcdPod;
  const container = pod.spec.containers[0]!;
  assert.equal(container.image, images.etcd);
  assert.equal(container.startupProbe.httpGet.path, '/health?serializable=false');

  // Run it as a static pod runs: host network, hostPath volumes (under the rootfs) at their mount paths.
  const docker = await engine();
  const binds = container.volumeMounts.map((mount) => {
    const volume = pod.spec.volumes.find((v) => v.name === mount.name)!;
    return `${join(rootfs, volume.hostPath.path)}:${mount.mountPath}`;
  });
  const { mkdir } = await import('node:fs/promises');
  for (const bind of binds) await mkdir(bind.split(':')[0]!, { recursive: true });
  const created = await docker.createContainer({
    Image: container.image,
    Entrypoint: [container.command[0]!],
    Cmd: container.command.slice(1),
    Labels: { [TEST_RUN_LABEL]: run },
    HostConfig: { NetworkMode: 'host', Init: true, Binds: binds },
  });
  await created.start();

  const probeUrl = (probe: HttpProbe) => {
    const { host, path, port, scheme } = probe.httpGet;
    const number = typeof port === 'number' ? port : container.ports!.find((p) => p.name === port)!.containerPort;
    return `${scheme.toLowerCase()}://${host}:${number}${path}`;
  };
  assert.equal(probeUrl(container.startupProbe), `http://127.0.0.1:${base + 2}/health?serializable=false`);
  for (const probe of [container.startupProbe, container.livenessProbe]) {
    const status = await eventually(`etcd probe ${probe.httpGet.path}`, async () => {
      const response = await fetch(probeUrl(probe)).catch(() => undefined);
      return response?.status === 200 ? response.status : undefined;
    }, 20_000, 100);
    assert.equal(status, 200);
  }
  assert.equal((await created.inspect()).State.Running, true);
});
