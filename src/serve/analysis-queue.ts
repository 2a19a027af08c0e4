// Analyses run off the request path, one study at a time, in a bounded queue: a study queued while
// it waits is not queued twice; one queued while it runs runs again afterwards (new instances).

export class AnalysisQueue {
  private readonly waiting: string[] = [];
  private running: string | undefined;
  private rerun = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly analyse: (uid: string) => Promise<void>,
    /** Most studies waiting at once. */
    readonly capacity: number,
  ) {}

  /** Queues a study; false when the queue is full (the caller answers 503). */
  add(uid: string): boolean {
    if (uid === this.running) {
      this.rerun = true;
      return true;
    }
    if (this.waiting.includes(uid)) return true;
    if (this.waiting.length >= this.capacity) return false;
    this.waiting.push(uid);
    if (this.running === undefined) void this.next();
    return true;
  }

  get pending(): number {
    return this.waiting.length + (this.running === undefined ? 0 : 1);
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  private async next(): Promise<void> {
    while (this.waiting.length > 0) {
      this.running = this.waiting.shift()!;
      do {
        this.rerun = false;
        await this.analyse(this.running);
      } while (this.rerun);
      this.running = undefined;
    }
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
