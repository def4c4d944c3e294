/** A counting semaphore: at most `limit` holders at once. */
export class Slots {
  private free: number;
  private readonly queue: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * One worker per pod name (the kubelet's pod workers): a pod's syncs never overlap, a kick while one runs
 * makes it run once more afterwards, and a slow stop in one pod never holds up another. `wakeAt` asks for
 * a kick later (a back-off ending).
 */
export class PodWorkers<Listing> {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly wakeups = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** When each pod's last sync ended: a listing older than that is stale for it. */
  private readonly syncedAt = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly sync: (key: string, listed: Listing | undefined) => Promise<void>,
    private readonly onError: (key: string, err: Error) => void,
  ) {}

  /**
   * Runs the pod's worker; a call while it runs makes it run once more afterwards. `listed`: a listing
   * made at `listedAt`, used for the first pass only when no sync of this pod ended since (a sync that
   * ended meanwhile changed what the listing shows, and acting on it would start a container twice).
   */
  kick(key: string, listed?: Listing, listedAt = 0): Promise<void> {
    const current = this.running.get(key);
    if (current) {
      this.again.add(key);
      return current;
    }
    const fresh = listed !== undefined && (this.syncedAt.get(key) ?? 0) < listedAt;
    const run = (async () => {
      let snapshot = fresh ? listed : undefined;
      do {
        this.again.delete(key);
        await this.sync(key, snapshot).catch((err: Error) => this.onError(key, err));
        this.syncedAt.set(key, Date.now());
        snapshot = undefined; // a further pass lists again: things changed meanwhile
      } while (this.again.has(key) && !this.stopped);
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /** Whether the pod's worker is running, or ended a sync less than `ms` ago. */
  activeWithin(key: string, ms: number): boolean {
    return this.running.has(key) || Date.now() - (this.syncedAt.get(key) ?? 0) < ms;
  }

  /** Wakes the pod's worker at `at` (the earliest of the wake-ups asked for). */
  wakeAt(key: string, at: number): void {
    if (this.stopped) return;
    const current = this.wakeups.get(key);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.wakeups.delete(key);
      void this.kick(key);
    }, Math.max(0, at - Date.now()));
    this.wakeups.set(key, { at, timer });
  }

  /** Resolves when no worker runs (tests, and a clean stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.wakeups.values()) clearTimeout(timer);
    this.wakeups.clear();
  }
}
