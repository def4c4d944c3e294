import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { KubebootError } from '../util/errors.js';

/** Pulls an image, reporting progress lines; a failure says how to bring the image in without a registry. */
export async function pullImage(docker: Docker, image: string, progress: (line: string) => void = () => undefined): Promise<void> {
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: { status?: string; progress?: string; id?: string }) => progress([event.id, event.status, event.progress].filter(Boolean).join(' ')),
      ),
    );
  } catch (err) {
    throw new KubebootError(`image ${image} is not on this machine and cannot be pulled (${(err as Error).message.split('\n')[0]?.trim()})`, {
      hint: 'On an air-gapped node: on a machine that has the images, run `kubeboot images save -o bundle.tar --config <file>`, copy bundle.tar here, then `kubeboot images load bundle.tar`.',
    });
  }
}

/** Writes the images to a tar file in Docker's save format (what `docker save` writes). */
export async function saveImages(docker: Docker, images: string[], file: string): Promise<void> {
  const missing: string[] = [];
  for (const image of images) if (!(await docker.getImage(image).inspect().then(() => true, () => false))) missing.push(image);
  if (missing.length > 0) throw new KubebootError(`not on this machine: ${missing.join(', ')}`, { hint: 'Pull them first: kubeboot config images pull --config <file>' });
  // GET /images/get?names=...: every image in one tar (dockerode has it; its types do not).
  const stream = await (docker as unknown as { getImages(opts: { names: string[] }): Promise<NodeJS.ReadableStream> }).getImages({ names: images });
  await pipeline(stream, createWriteStream(file, { mode: 0o644 }));
}

/** Loads a tar file in Docker's save format; returns what the engine said it loaded. */
export async function loadImages(docker: Docker, file: string): Promise<string[]> {
  const stream = await docker.loadImage(createReadStream(file), { quiet: true });
  const loaded: string[] = [];
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { stream?: string; error?: string }) => {
        if (event.error) reject(new Error(event.error));
        const match = /Loaded image(?: ID)?: (\S+)/.exec(event.stream ?? '');
        if (match) loaded.push(match[1]!);
      },
    ),
  );
  return loaded;
}
