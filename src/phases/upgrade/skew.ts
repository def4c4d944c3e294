import { isSupported, SUPPORTED_RANGE, type KubernetesVersion } from '../../config/versions.js';

export interface SkewCheck {
  /** Why the upgrade cannot be done (kubeadm's mandatory checks). */
  errors: string[];
  /** What kubeadm would let through with a warning (its skippable checks). */
  warnings: string[];
}

const minorOf = (v: KubernetesVersion) => `v${v.major}.${v.minor}`;

/**
 * kubeadm's version skew policy for `upgrade apply` (app/phases/upgrade/policy.go), with kubeboot in the
 * place of kubeadm: the target must be a version kubeboot renders manifests for, at most one minor above
 * the cluster (no minor skipped) and at most one below; a pre-release is refused unless allowed.
 */
export function checkSkew(current: KubernetesVersion, target: KubernetesVersion, options: { allowPrerelease?: boolean } = {}): SkewCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isSupported(target)) errors.push(`${target.text} is not a version kubeboot can render manifests for (${SUPPORTED_RANGE})`);
  if (target.major !== current.major) errors.push(`the major version cannot change (${current.text} → ${target.text})`);
  if (target.minor > current.minor + 1) errors.push(`${target.text} skips a minor version: upgrade to ${minorOf({ ...current, minor: current.minor + 1 })} first (one minor at a time)`);
  if (target.minor < current.minor - 1) errors.push(`${target.text} is more than one minor version below the cluster's ${current.text}`);
  if (target.minor < current.minor) warnings.push(`${target.text} is a downgrade from ${current.text}`);
  else if (target.minor === current.minor && target.patch < current.patch) warnings.push(`${target.text} is a patch downgrade from ${current.text}`);
  if (/-/.test(target.text) && !options.allowPrerelease) errors.push(`${target.text} is a pre-release: kubeboot upgrades to releases only`);
  return { errors, warnings };
}
