import type { ClusterConfiguration } from './types.js';
import { corednsVersionFor, etcdVersionFor, parseKubernetesVersion, pauseVersionFor, DEFAULT_KUBERNETES_VERSION } from './versions.js';

export type ImageComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'pause';

export interface ComponentImage {
  component: ImageComponent;
  image: string;
}

/** The images a control plane of this configuration runs, named as kubeadm names them (images/images.go). */
export function controlPlaneImages(cluster: ClusterConfiguration): ComponentImage[] {
  const version = parseKubernetesVersion(cluster.kubernetesVersion) ?? parseKubernetesVersion(DEFAULT_KUBERNETES_VERSION)!;
  const tag = version.text.replace(/\+/g, '_');
  const repo = cluster.imageRepository;
  const images: ComponentImage[] = [
    { component: 'kube-apiserver', image: `${repo}/kube-apiserver:${tag}` },
    { component: 'kube-controller-manager', image: `${repo}/kube-controller-manager:${tag}` },
    { component: 'kube-scheduler', image: `${repo}/kube-scheduler:${tag}` },
  ];
  if (cluster.etcd.local && !cluster.etcd.external) {
    const local = cluster.etcd.local;
    images.push({ component: 'etcd', image: `${local.imageRepository || repo}/etcd:${local.imageTag || etcdVersionFor(version)}` });
  }
  images.push({ component: 'pause', image: `${repo}/pause:${pauseVersionFor(version)}` });
  return images;
}

export function imageOf(cluster: ClusterConfiguration, component: ImageComponent): string | undefined {
  return controlPlaneImages(cluster).find((entry) => entry.component === component)?.image;
}

/**
 * The addons' images (the cluster runs them, not kubeboot): kube-proxy, and CoreDNS, which the default
 * registry keeps under registry.k8s.io/coredns (images.GetDNSImage).
 */
export function addonImages(cluster: ClusterConfiguration): { coredns: string; kubeProxy: string } {
  const version = parseKubernetesVersion(cluster.kubernetesVersion) ?? parseKubernetesVersion(DEFAULT_KUBERNETES_VERSION)!;
  const repo = cluster.imageRepository;
  const dnsRepo = cluster.dns.imageRepository || (repo === 'registry.k8s.io' ? 'registry.k8s.io/coredns' : repo);
  return {
    coredns: `${dnsRepo}/coredns:${cluster.dns.imageTag || corednsVersionFor(version)}`,
    kubeProxy: `${repo}/kube-proxy:${version.text.replace(/\+/g, '_')}`,
  };
}
