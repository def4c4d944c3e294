import { parse } from 'yaml';
import type { Logger } from '../util/log.js';
import { isRecord } from '../util/records.js';
import { MAX_MANIFEST_BYTES, parseStaticPod, type StaticPod } from './static-pod.js';

export interface HttpSourceOptions {
  url: string;
  /** Extra request headers (the kubelet's --manifest-url-header / staticPodURLHeader). */
  headers: Record<string, string[]>;
  /** The kubelet's httpCheckFrequency (20 s by default). */
  periodMs: number;
  nodeName: string;
  log: Logger;
  /** The URL's pods, each time they change (an empty map removes them all). */
  onChange: (pods: Map<string, StaticPod>) => void;
}

const TIMEOUT_MS = 10_000;

/** Reads a response body, refusing more than `limit` bytes. */
async function readLimited(response: Response, limit: number): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > limit) return undefined;
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/**
 * The kubelet's HTTP source (pkg/kubelet/config/http.go): the URL is fetched at once and then every
 * period. A single Pod or a PodList sets the URL's pods; an empty 200 body removes them; an error,
 * a non-200 reply or an invalid body changes nothing; an unchanged body is not parsed again.
 * `ready` turns true after the first successful read: before that, no URL pod may be removed.
 */
export class HttpSource {
  ready = false;
  private last: string | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly firstSeen = new Map<string, Date>();

  constructor(private readonly options: HttpSourceOptions) {}

  start(): void {
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      await this.read();
    } finally {
      if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.options.periodMs);
    }
  }

  private failed(problem: string): void {
    this.failures++;
    // Like the kubelet: the first three failures in a row are logged, then it goes quiet until a success.
    if (this.failures <= 3) this.options.log('warn', this.failures === 3 ? 'failed to read pods from URL (further failures are not logged until it answers)' : 'failed to read pods from URL', { url: this.options.url, problem });
  }

  private succeeded(): void {
    if (this.failures > 0) this.options.log('info', 'read pods from URL again', { url: this.options.url, after: `${this.failures} failures` });
    this.failures = 0;
    this.ready = true;
  }

  async read(): Promise<void> {
    const { url, log } = this.options;
    const headers = new Headers();
    for (const [name, values] of Object.entries(this.options.headers)) for (const value of values) headers.append(name, value);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      return this.failed(cause?.message ?? (err as Error).message);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return this.failed(`${url}: ${response.status} ${response.statusText}`);
    }
    const body = await readLimited(response, MAX_MANIFEST_BYTES).catch(() => undefined);
    if (body === undefined) return this.failed(`the reply is larger than ${MAX_MANIFEST_BYTES} bytes, or was cut off`);
    const text = body.toString('utf8');
    if (text.length === 0) {
      this.succeeded();
      if (this.last !== '') log('info', 'the URL answered with an empty body: its pods are removed', { url });
      this.last = '';
      this.options.onChange(new Map());
      return;
    }
    if (text === this.last) return this.succeeded();
    const pods = this.parse(text);
    if (!pods) return; // invalid: the current pods stay
    this.last = text;
    this.succeeded();
    this.options.onChange(pods);
  }

  /** A Pod or a PodList; undefined (with the reason logged) when the body is not valid as a whole. */
  private parse(text: string): Map<string, StaticPod> | undefined {
    const { url, nodeName } = this.options;
    let value: unknown;
    try {
      value = parse(text, { maxAliasCount: 100 });
    } catch (err) {
      this.failed(`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
      return undefined;
    }
    const items = isRecord(value) && value.kind === 'PodList' ? (Array.isArray(value.items) ? value.items : []) : [value];
    const pods = new Map<string, StaticPod>();
    const problems: string[] = [];
    items.forEach((item, i) => {
      const result = parseStaticPod(JSON.stringify(item ?? null), { source: url, sourceKind: 'http', nodeName });
      const where = items.length > 1 || (isRecord(value) && value.kind === 'PodList') ? `items[${i}]: ` : '';
      if (!result.ok) {
        problems.push(...result.problems.map((p) => `${where}${p}`));
        return;
      }
      if (pods.has(result.pod.key)) {
        this.options.log('error', 'the URL lists the same pod twice: the first one runs', { url, pod: result.pod.key, ignored: `items[${i}]` });
        return;
      }
      const seen = this.firstSeen.get(result.pod.uid) ?? new Date();
      this.firstSeen.set(result.pod.uid, seen);
      result.pod.pod.metadata!.annotations!['kubernetes.io/config.seen'] = seen.toISOString();
      pods.set(result.pod.key, result.pod);
    });
    if (problems.length > 0) {
      this.options.log('error', 'invalid pods from URL: nothing changes', { url, problem: problems.join('; ') });
      return undefined;
    }
    return pods;
  }
}
