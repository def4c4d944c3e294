import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { migrateConfig } from '../../../src/config/migrate.js';
import { ConfigError } from '../../../src/config/problems.js';
import { fixture, tempDir } from '../../support/temp.js';

const host = { hostname: 'CP-1', defaultAddress: '192.0.2.10' };

describe('kubeadm defaults', () => {
  test('without a file, the configuration is kubeadm v1beta4 defaults and this host', async () => {
    const { config, warnings } = await loadConfig({ host });
    assert.deepEqual(warnings, []);
    const { init, cluster, kubelet } = config;
    assert.equal(init.nodeRegistration.name, 'cp-1', 'node name is the hostname, lower-cased');
    assert.equal(init.localAPIEndpoint.advertiseAddress, '192.0.2.10', 'advertise address of the default-route interface');
    assert.equal(init.localAPIEndpoint.bindPort, 6443);
    assert.deepEqual(init.nodeRegistration.taints, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    assert.equal(init.nodeRegistration.imagePullPolicy, 'IfNotPresent');
    assert.equal(init.timeouts.controlPlaneComponentHealthCheck, '4m0s');
    assert.equal(init.timeouts.kubeletHealthCheck, '4m0s');
    assert.equal(init.timeouts.etcdAPICall, '2m0s');
    assert.equal(cluster.networking.serviceSubnet, '10.96.0.0/12');
    assert.equal(cluster.networking.podSubnet, '');
    assert.equal(cluster.networking.dnsDomain, 'cluster.local');
    assert.equal(cluster.certificatesDir, '/etc/kubernetes/pki');
    assert.equal(cluster.imageRepository, 'registry.k8s.io');
    assert.equal(cluster.clusterName, 'kubernetes');
    assert.equal(cluster.etcd.local?.dataDir, '/var/lib/etcd');
    assert.equal(cluster.etcd.external, undefined);
    assert.equal(cluster.encryptionAlgorithm, 'RSA-2048');
    assert.equal(cluster.certificateValidityPeriod, '8760h0m0s');
    assert.equal(cluster.caCertificateValidityPeriod, '87600h0m0s');
    assert.match(cluster.kubernetesVersion, /^v1\.\d+\.\d+$/);
    assert.equal(kubelet.staticPodPath, '/etc/kubernetes/manifests');
    assert.deepEqual(kubelet.clusterDNS, ['10.96.0.10']);
    assert.equal(kubelet.clusterDomain, 'cluster.local');
    assert.equal(kubelet.healthzBindAddress, '127.0.0.1');
    assert.equal(kubelet.healthzPort, 10248);
    assert.equal(kubelet.rotateCertificates, true);
    assert.deepEqual(kubelet.authentication, {
      anonymous: { enabled: false },
      webhook: { cacheTTL: '0s', enabled: true },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    });
    assert.deepEqual(kubelet.authorization, { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } });
  });

  test('an unspecified advertise address (0.0.0.0) is detected, as kubeadm does', async () => {
    const dir = await tempDir({
      'c.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 0.0.0.0\n',
    });
    const { config } = await loadConfig({ file: join(dir, 'c.yaml'), host });
    assert.equal(config.init.localAPIEndpoint.advertiseAddress, '192.0.2.10');
  });

  test('no default route and no advertise address is an error that says what to set', async () => {
    await assert.rejects(loadConfig({ host: { hostname: 'n', defaultAddress: undefined } }), (err: ConfigError) => {
      assert.match(err.details.join('\n'), /InitConfiguration\.localAPIEndpoint\.advertiseAddress: no address given and none could be detected/);
      assert.match(err.details.join('\n'), /--apiserver-advertise-address/);
      return true;
    });
  });

  test('taints: absent means the control-plane taint, an explicit empty list means none', async () => {
    const dir = await tempDir({
      'none.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  taints: []\n',
    });
    const { config } = await loadConfig({ file: join(dir, 'none.yaml'), host });
    assert.deepEqual(config.init.nodeRegistration.taints, []);
  });

  test('the KubeletConfiguration document goes over kubeadm defaults, and its staticPodPath is used', async () => {
    const { config } = await loadConfig({ file: fixture('configs', 'custom-static-pod-path.yaml'), host });
    assert.equal(config.kubelet.staticPodPath, '/srv/kubeboot/manifests');
    assert.equal(config.kubelet.cgroupDriver, 'cgroupfs');
    assert.equal(config.kubelet.healthzPort, 10348);
    assert.equal(config.kubelet.healthzBindAddress, '127.0.0.1', 'kubeadm defaults stay under the user document');
    assert.deepEqual(config.kubelet.clusterDNS, ['10.100.0.10'], '10th address of the first service subnet');
  });
});

describe('kubeadm documentation configs', () => {
  test('the v1beta4 example gives the values it states', async () => {
    const { config, warnings } = await loadConfig({ file: fixture('configs', 'kubeadm-docs-v1beta4.yaml'), host });
    assert.equal(config.init.nodeRegistration.name, 'ec2-10-100-0-1');
    assert.equal(config.init.localAPIEndpoint.advertiseAddress, '10.100.0.1');
    assert.deepEqual(config.init.nodeRegistration.kubeletExtraArgs, [{ name: 'v', value: '5' }]);
    assert.deepEqual(config.init.nodeRegistration.taints, [{ key: 'kubeadmNode', value: 'someValue', effect: 'NoSchedule' }]);
    assert.equal(config.init.timeouts.controlPlaneComponentHealthCheck, '60s');
    assert.equal(config.cluster.kubernetesVersion, 'v1.34.0');
    assert.equal(config.cluster.controlPlaneEndpoint, '10.100.0.1:6443');
    assert.deepEqual(config.cluster.apiServer.extraArgs, [{ name: 'authorization-mode', value: 'Node,RBAC' }]);
    assert.deepEqual(config.cluster.apiServer.extraVolumes, [
      { name: 'some-volume', hostPath: '/etc/some-path', mountPath: '/etc/some-pod-path', readOnly: false, pathType: 'File' },
    ]);
    assert.equal(config.cluster.etcd.local?.imageTag, '3.5.24-0');
    assert.equal(config.cluster.clusterName, 'example-cluster');
    assert.equal(config.cluster.encryptionAlgorithm, 'ECDSA-P256');
    assert.equal(config.passthrough.length, 1);
    assert.equal(config.passthrough[0]?.kind, 'KubeProxyConfiguration');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /KubeProxyConfiguration is kept but not used/);
  });

  test('the v1beta3 example gives the same effective configuration as its v1beta4 twin', async () => {
    const v3 = await loadConfig({ file: fixture('configs', 'kubeadm-docs-v1beta3.yaml'), host });
    const v4 = await loadConfig({ file: fixture('configs', 'kubeadm-docs-v1beta4.yaml'), host });
    assert.deepEqual(v3.versions, { InitConfiguration: 'v1beta3', ClusterConfiguration: 'v1beta3' });
    // v1beta3 has no encryptionAlgorithm: the twin sets one, the rest must match field for field.
    assert.deepEqual({ ...v3.config.cluster, encryptionAlgorithm: 'ECDSA-P256' }, v4.config.cluster);
    assert.deepEqual(v3.config.init, v4.config.init);
    assert.deepEqual(v3.config.kubelet, v4.config.kubelet);
  });

  test('a v1beta3 file and its migrated v1beta4 form give the same effective configuration', async () => {
    const migrated = await migrateConfig(fixture('configs', 'kubeadm-docs-v1beta3.yaml'));
    assert.doesNotMatch(migrated, /v1beta3/);
    assert.doesNotMatch(migrated, /timeoutForControlPlane/);
    const dir = await tempDir({ 'migrated.yaml': migrated });
    const before = await loadConfig({ file: fixture('configs', 'kubeadm-docs-v1beta3.yaml'), host });
    const after = await loadConfig({ file: join(dir, 'migrated.yaml'), host });
    assert.deepEqual(after.versions, { InitConfiguration: 'v1beta4', ClusterConfiguration: 'v1beta4' });
    assert.deepEqual(after.config, before.config);
  });

  test('v1beta3 extraArgs maps become name-sorted lists', async () => {
    const dir = await tempDir({
      'c.yaml': 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    v: "2"\n    audit-log-path: /var/log/a.log\n',
    });
    const { config } = await loadConfig({ file: join(dir, 'c.yaml'), host });
    assert.deepEqual(config.cluster.apiServer.extraArgs, [
      { name: 'audit-log-path', value: '/var/log/a.log' },
      { name: 'v', value: '2' },
    ]);
  });
});

describe('init flags', () => {
  test('a flag wins over the file, list flags add to the file', async () => {
    const { config } = await loadConfig({
      file: fixture('configs', 'kubeadm-docs-v1beta4.yaml'),
      host,
      flags: {
        apiserverAdvertiseAddress: '10.0.0.10',
        apiserverBindPort: 7443,
        kubernetesVersion: 'v1.33.4',
        podNetworkCidr: '10.200.0.0/16',
        serviceCidr: '10.97.0.0/16',
        serviceDnsDomain: 'corp.local',
        nodeName: 'Edge-7',
        certDir: '/srv/pki',
        imageRepository: 'kubeboot.local',
        controlPlaneEndpoint: 'lb.example.com:7443',
        ignorePreflightErrors: ['Swap', 'IsPrivilegedUser'],
        skipPhases: ['addon'],
      },
    });
    assert.equal(config.init.localAPIEndpoint.advertiseAddress, '10.0.0.10');
    assert.equal(config.init.localAPIEndpoint.bindPort, 7443);
    assert.equal(config.cluster.kubernetesVersion, 'v1.33.4');
    assert.equal(config.cluster.networking.podSubnet, '10.200.0.0/16');
    assert.equal(config.cluster.networking.serviceSubnet, '10.97.0.0/16');
    assert.equal(config.cluster.networking.dnsDomain, 'corp.local');
    assert.equal(config.init.nodeRegistration.name, 'edge-7');
    assert.equal(config.cluster.certificatesDir, '/srv/pki');
    assert.equal(config.cluster.imageRepository, 'kubeboot.local');
    assert.equal(config.cluster.controlPlaneEndpoint, 'lb.example.com:7443');
    assert.deepEqual(config.init.nodeRegistration.ignorePreflightErrors, ['IsPrivilegedUser', 'Swap']);
    assert.deepEqual(config.init.skipPhases, ['preflight', 'addon']);
    assert.equal(config.kubelet.clusterDomain, 'corp.local');
    assert.deepEqual(config.kubelet.clusterDNS, ['10.97.0.10']);
  });

  test('a bad flag value is reported against the flag, not the file', async () => {
    await assert.rejects(loadConfig({ host, flags: { serviceCidr: '10.96.0.0/33' } }), (err: ConfigError) => {
      assert.equal(err.problems.length, 1);
      assert.equal(err.details[0], 'flag --service-cidr: ClusterConfiguration.networking.serviceSubnet: "10.96.0.0/33" is not a CIDR; expected e.g. "10.96.0.0/12" or "fd00::/108", or two of them (IPv4 and IPv6) separated by a comma');
      return true;
    });
  });
});
