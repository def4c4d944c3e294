/**
 * kubeadm's configuration model, v1beta4 (kubeadm.k8s.io/v1beta4). v1beta3 files are converted into
 * it on load. Field names and meanings are kubeadm's; after defaulting every field below is set.
 */

export const KUBEADM_GROUP = 'kubeadm.k8s.io';
export const KUBEADM_V1BETA4 = 'kubeadm.k8s.io/v1beta4';
export const KUBELET_V1BETA1 = 'kubelet.config.k8s.io/v1beta1';

export interface Arg {
  name: string;
  value: string;
}

export interface EnvVar {
  name: string;
  value: string;
}

export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

export interface HostPathMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  pathType: HostPathType;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface NodeRegistration {
  name: string;
  criSocket: string;
  taints: Taint[];
  kubeletExtraArgs: Arg[];
  ignorePreflightErrors: string[];
  imagePullPolicy: ImagePullPolicy;
  imagePullSerial: boolean;
}

export interface Timeouts {
  controlPlaneComponentHealthCheck: string;
  kubeletHealthCheck: string;
  kubernetesAPICall: string;
  etcdAPICall: string;
  tlsBootstrap: string;
  discovery: string;
  upgradeManifests: string;
}

export interface BootstrapToken {
  token?: string;
  description?: string;
  ttl: string;
  /** An RFC 3339 time; instead of ttl. */
  expires?: string;
  usages: string[];
  groups: string[];
}

export interface InitConfiguration {
  apiVersion: typeof KUBEADM_V1BETA4;
  kind: 'InitConfiguration';
  bootstrapTokens: BootstrapToken[];
  dryRun: boolean;
  nodeRegistration: NodeRegistration;
  localAPIEndpoint: { advertiseAddress: string; bindPort: number };
  certificateKey?: string;
  skipPhases: string[];
  patches?: { directory: string };
  timeouts: Timeouts;
}

export interface ControlPlaneComponent {
  extraArgs: Arg[];
  extraVolumes: HostPathMount[];
  extraEnvs: EnvVar[];
}

export interface LocalEtcd {
  imageRepository: string;
  imageTag: string;
  dataDir: string;
  extraArgs: Arg[];
  extraEnvs: EnvVar[];
  serverCertSANs: string[];
  peerCertSANs: string[];
}

export interface ExternalEtcd {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

export type EncryptionAlgorithm = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'ECDSA-P256' | 'ECDSA-P384';

export interface ClusterConfiguration {
  apiVersion: typeof KUBEADM_V1BETA4;
  kind: 'ClusterConfiguration';
  kubernetesVersion: string;
  controlPlaneEndpoint: string;
  networking: { serviceSubnet: string; podSubnet: string; dnsDomain: string };
  etcd: { local?: LocalEtcd; external?: ExternalEtcd };
  apiServer: ControlPlaneComponent & { certSANs: string[] };
  controllerManager: ControlPlaneComponent;
  scheduler: ControlPlaneComponent;
  dns: { imageRepository: string; imageTag: string; disabled: boolean };
  proxy: { disabled: boolean };
  certificatesDir: string;
  imageRepository: string;
  featureGates: Record<string, boolean>;
  clusterName: string;
  encryptionAlgorithm: EncryptionAlgorithm;
  certificateValidityPeriod: string;
  caCertificateValidityPeriod: string;
}

/** The KubeletConfiguration is passed through as the user wrote it, with kubeadm's defaults under it. */
export type KubeletConfiguration = Record<string, unknown> & {
  apiVersion: typeof KUBELET_V1BETA1;
  kind: 'KubeletConfiguration';
  staticPodPath: string;
};

/** A document kubeboot keeps but does not use (e.g. KubeProxyConfiguration). */
export interface PassthroughDocument {
  apiVersion: string;
  kind: string;
  body: Record<string, unknown>;
}

/** Everything `init` needs, defaulted and validated. */
export interface KubebootConfig {
  init: InitConfiguration;
  cluster: ClusterConfiguration;
  kubelet: KubeletConfiguration;
  passthrough: PassthroughDocument[];
}
