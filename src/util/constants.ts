/**
 * kubeadm's and the kubelet's well-known names and paths, in one place. Paths are system paths (a
 * `Host` puts them under --rootfs).
 */

export const KUBERNETES_DIR = '/etc/kubernetes';
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
export const SUPER_ADMIN_KUBECONFIG = '/etc/kubernetes/super-admin.conf';
/** The kubelet's kubeconfig: the reconciler's for mirror pods and the Node. */
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
/** What init leaves for `reset`: the configuration it used, fully defaulted. */
export const INIT_RECORD = '/etc/kubernetes/kubeboot-init.yaml';

/** The kubelet's --root-dir: pod folders (emptyDirs), and kubeboot's status files under `kubeboot/`. */
export const KUBELET_ROOT_DIR = '/var/lib/kubelet';
export const KUBELET_CONFIG_PATH = '/var/lib/kubelet/config.yaml';
export const KUBELET_HEALTHZ_PORT = 10248;
/** The sandbox image when nothing names one (kubeadm 1.34's pause). */
export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.1';

/** A detached reconciler's pid and log (no systemd, or a --rootfs). */
export const RECONCILER_RUN_DIR = '/var/run/kubeboot';
export const RECONCILER_PIDFILE = '/var/run/kubeboot/kubelet.pid';
export const RECONCILER_LOGFILE = '/var/log/kubeboot/kubelet.log';

/** The control plane's static pods, in kubeadm's order. */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ComponentName = (typeof COMPONENTS)[number];
/** kubeadm's short names of the control-plane components (`init phase control-plane apiserver`). */
export const CONTROL_PLANE_SHORT_NAMES = { apiserver: 'kube-apiserver', 'controller-manager': 'kube-controller-manager', scheduler: 'kube-scheduler' } as const;

/** kubeadm's certificate names (`init phase certs <name>`), in its order; `sa` is the service-account key pair. */
export const CERTIFICATE_NAMES = ['ca', 'apiserver', 'apiserver-kubelet-client', 'front-proxy-ca', 'front-proxy-client', 'etcd-ca', 'etcd-server', 'etcd-peer', 'etcd-healthcheck-client', 'apiserver-etcd-client', 'sa'] as const;
/** kubeadm's kubeconfig names (`init phase kubeconfig <name>`). */
export const KUBECONFIG_NAMES = ['admin', 'super-admin', 'kubelet', 'controller-manager', 'scheduler'] as const;
