import type { Logger } from '../util/log.js';
import type { StaticPod } from './static-pod.js';

/**
 * The desired pods from the two sources, merged as the kubelet merges them: the file pods, then the
 * URL's pods whose names the files do not take. Nothing is desired before the folder was read once
 * (a pod that runs may not be judged unwanted before that); a URL that was never read is reported as
 * not ready, so that its pods are kept.
 */
export class DesiredPods {
  private filePods: Map<string, StaticPod> | undefined;
  private urlPods = new Map<string, StaticPod>();

  constructor(
    private readonly options: {
      hasFolder: boolean;
      url?: string;
      log: Logger;
      /** The merged pods, and the sources not read yet. */
      onChange: (desired: Map<string, StaticPod>, unreadySources: string[]) => void;
      urlReady: () => boolean;
    },
  ) {
    if (!options.hasFolder) this.filePods = new Map();
  }

  setFilePods(pods: Map<string, StaticPod>): void {
    this.filePods = pods;
    this.merge();
  }

  setUrlPods(pods: Map<string, StaticPod>): void {
    this.urlPods = pods;
    this.merge();
  }

  merge(): void {
    if (!this.filePods) return; // the folder has not been read yet
    const desired = new Map(this.filePods);
    for (const [key, pod] of this.urlPods) {
      if (desired.has(key)) this.options.log('error', 'a pod from the URL has the name of a file pod: the file pod runs', { pod: key, url: this.options.url, file: desired.get(key)!.source });
      else desired.set(key, pod);
    }
    this.options.onChange(desired, this.options.url && !this.options.urlReady() ? [this.options.url] : []);
  }
}

/** The URL source's headers: the KubeletConfiguration's staticPodURLHeader, plus `Name:value` flags. */
export function urlHeaders(fromConfig: Record<string, string[]>, flags: readonly string[], badFlag: (flag: string) => Error): Record<string, string[]> {
  const headers: Record<string, string[]> = structuredClone(fromConfig);
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    if (colon <= 0) throw badFlag(flag);
    (headers[flag.slice(0, colon).trim()] ??= []).push(flag.slice(colon + 1).trim());
  }
  return headers;
}
