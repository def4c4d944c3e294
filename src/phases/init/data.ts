import type { KubebootConfig } from '../../config/types.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { Host } from '../../util/host.js';
import type { KubeObject } from '../../util/kube-api.js';
import { applyPatches, type PatchSet } from '../../render/patches.js';
import type { ClusterApi } from './cluster-api.js';
import type { CheckResult } from '../preflight-checks.js';
import type { ReconcilerProcess } from '../reconciler-service.js';

/** What init's phases share (kubeadm's InitData): built once, for `init` and for `init phase <name>` alike. */
export interface InitData {
  config: KubebootConfig;
  /** Where files are written and read back: the machine (under --rootfs), or a dry run's throw-away folder. */
  host: Host;
  /** The machine itself (under --rootfs): what preflight looks at, even in a dry run. */
  machine: Host;
  runtime: ContainerRuntime;
  /** The node's runtime flags (`container-runtime` → `process`, ...): kept in kubeadm-flags.env and given to the reconciler. */
  runtimeFlags: Record<string, string>;
  dryRun: boolean;
  /** --ignore-preflight-errors, with the configuration's nodeRegistration.ignorePreflightErrors. */
  ignorePreflightErrors: string[];
  /** Filled as phases run. */
  warnings: CheckResult[];
  missingImages: string[];
  reconciler?: ReconcilerProcess;
  /** The systemd unit that runs the reconciler, when systemd runs the host. */
  unit?: string;
  /** --upload-certs, and the key: --certificate-key / certificateKey, or one upload-certs made. */
  uploadCerts: boolean;
  certificateKey?: string;
  skipTokenPrint: boolean;
  skipCertificateKeyPrint: boolean;
  /** The bootstrap tokens bootstrap-token made or kept, for the join command. */
  tokens: string[];
  /** What show-join-command prints (after the progress, so that it can be copied whole). */
  joinCommands?: string;
  /** The API (admin.conf), made by the first phase that needs it; closed by the command. */
  api?: ClusterApi;
  closers: Array<() => void>;
  /** A dry run's objects, printed instead of created. */
  dryRunObjects: KubeObject[];
  /** --patches / patches.directory, read once; the KubeletConfiguration's are already in config.kubelet. */
  patches?: PatchSet;
  /** What was applied to the KubeletConfiguration, for kubelet-start to report. */
  kubeletPatches: string[];
  /** The KubeletConfiguration as the cluster shares it (upload-config): without this node's patches. */
  clusterKubelet: KubebootConfig['kubelet'];
}


/** The --rootfs flag as a user retypes it in a hint (`kubeboot reset --rootfs DIR`). */
export function rootfsFlag(data: { machine: Host }): string {
  return data.machine.rootfs ? ` --rootfs ${data.machine.rootfs}` : '';
}

export interface InitOptions {
  config: KubebootConfig;
  /** The machine's root (`--rootfs`), already checked. */
  machine: Host;
  runtime: ContainerRuntime;
  runtimeFlags?: Record<string, string>;
  /** A dry run writes into this throw-away folder instead, and starts nothing. */
  dryRunDir?: string;
  ignorePreflightErrors?: readonly string[];
  uploadCerts?: boolean;
  skipTokenPrint?: boolean;
  skipCertificateKeyPrint?: boolean;
  patches?: PatchSet;
}

/** Builds the data init's phases share; the one place a dry run swaps the host for its folder. */
export function createInitData(options: InitOptions): InitData {
  // The KubeletConfiguration is patched once, here, so that everything reading config.kubelet (the file
  // kubelet-start writes, the ports preflight and wait-control-plane use) sees the patched values.
  const kubelet = applyPatches(options.patches, 'kubeletconfiguration', options.config.kubelet);
  const config = { ...options.config, kubelet: kubelet.object };
  return {
    config,
    host: options.dryRunDir ? Host.scratch(options.dryRunDir) : options.machine,
    machine: options.machine,
    runtime: options.runtime,
    runtimeFlags: options.runtimeFlags ?? {},
    dryRun: options.dryRunDir !== undefined,
    ignorePreflightErrors: [...config.init.nodeRegistration.ignorePreflightErrors, ...(options.ignorePreflightErrors ?? [])],
    warnings: [],
    missingImages: [],
    uploadCerts: Boolean(options.uploadCerts),
    ...(config.init.certificateKey ? { certificateKey: config.init.certificateKey } : {}),
    skipTokenPrint: Boolean(options.skipTokenPrint),
    skipCertificateKeyPrint: Boolean(options.skipCertificateKeyPrint),
    tokens: [],
    closers: [],
    dryRunObjects: [],
    ...(options.patches ? { patches: options.patches } : {}),
    kubeletPatches: kubelet.applied,
    clusterKubelet: options.config.kubelet,
  };
}
