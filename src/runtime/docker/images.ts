import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';

export async function imagePresent(docker: Docker, image: string): Promise<boolean> {
  return docker.getImage(image).inspect().then(() => true, () => false);
}

/** Pulls an image, reporting progress lines; the engine's error as it is on failure. */
export async function pullImage(docker: Docker, image: string, progress: (line: string) => void = () => undefined): Promise<void> {
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { status?: string; progress?: string; id?: string }) => progress([event.id, event.status, event.progress].filter(Boolean).join(' ')),
    ),
  );
}

/** Writes the images to a tar file in Docker's save format (what `docker save` writes). */
export async function saveImages(docker: Docker, images: string[], file: string): Promise<void> {
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
