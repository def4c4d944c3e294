import { KubebootError } from '../util/errors.js';
import type { ContainerRuntime } from './runtime.js';

/** A missing image that the pull policy forbids pulling (the kubelet's ErrImageNeverPull). */
export class ImageNeverPullError extends Error {}

/** How long an image seen present is taken as still there without asking the engine. */
const PRESENT_FOR_MS = 60_000;

/**
 * Images seen present, with when, and the engine's answers still on their way: 50 pods written at once
 * ask about one image once, not 50 times alongside their creates (`npm run bench`'s converge rows).
 */
export class KnownImages {
  private readonly seen = new Map<string, number>();
  private readonly asking = new Map<string, Promise<boolean>>();

  recentlyPresent(image: string): boolean {
    return (this.seen.get(image) ?? 0) > Date.now() - PRESENT_FOR_MS;
  }

  async present(runtime: ContainerRuntime, image: string): Promise<boolean> {
    let answer = this.asking.get(image);
    if (!answer) {
      answer = runtime.imagePresent(image).finally(() => this.asking.delete(image));
      this.asking.set(image, answer);
    }
    const present = await answer;
    if (present) this.seen.set(image, Date.now());
    return present;
  }
}

/** Makes the image available as the pull policy says; Never and a missing image is an error. */
export async function ensureImage(runtime: ContainerRuntime, image: string, policy: string | undefined, known = new KnownImages()): Promise<void> {
  // Always asks the registry anyway.
  if (policy !== 'Always' && known.recentlyPresent(image)) return;
  const present = await known.present(runtime, image);
  if (present && policy !== 'Always') return;
  if (!present && policy === 'Never') throw new ImageNeverPullError(`image ${image} is not present and imagePullPolicy is Never`);
  try {
    await runtime.pullImage(image);
  } catch (err) {
    if (present) return; // Always, but the registry is unreachable: run what we have
    if (err instanceof ImageNeverPullError) throw err; // a runtime that cannot pull says why itself
    throw new Error(`image ${image} is not present and cannot be pulled (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The way out when an image cannot be pulled: what an air-gapped node does instead. */
export const AIR_GAPPED_HINT =
  'On an air-gapped node: on a machine that has the images, run `kubeboot images save -o bundle.tar --config <file>`, copy bundle.tar here, then `kubeboot images load bundle.tar`.';

/** Pulls an image for a command (preflight, `config images pull`); a failure names the image and the way out. */
export async function pullImageForUser(runtime: ContainerRuntime, image: string, progress?: (line: string) => void): Promise<void> {
  try {
    await runtime.pullImage(image, progress);
  } catch (err) {
    if (err instanceof ImageNeverPullError) throw new KubebootError(err.message, { hint: (err as { hint?: string }).hint ?? AIR_GAPPED_HINT });
    throw new KubebootError(`image ${image} is not on this machine and cannot be pulled (${(err as Error).message.split('\n')[0]?.trim()})`, { hint: AIR_GAPPED_HINT });
  }
}

/** Writes images to a tar file, refusing (naming them) when some are not on this machine. */
export async function saveImagesForUser(runtime: ContainerRuntime, images: string[], file: string): Promise<void> {
  const missing: string[] = [];
  for (const image of images) if (!(await runtime.imagePresent(image))) missing.push(image);
  if (missing.length > 0) throw new KubebootError(`not on this machine: ${missing.join(', ')}`, { hint: 'Pull them first: kubeboot config images pull --config <file>' });
  await runtime.saveImages(images, file);
}
