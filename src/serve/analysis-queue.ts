// Analyses run off the request path in a bounded queue, up to `concurrency` studies at a time (one
// when the model runs in this process; more when workers do): a study queued while it waits is not
// queued twice; one queued while it runs runs again afterwards (new instances).

export class AnalysisQueue {
  private readonly waiting: string[] = [];
  private readonly running = new Set<string>();
  private readonly rerun = new Set<string>();
  private drained: (() => void)[] = [];

  constructor(
    private readonly analyse: (uid: string) => Promise<void>,
    /** Most studies waiting at once. */
    readonly capacity: number,
    /** Studies analysed at once. */
    readonly concurrency = 1,
  ) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`analysis concurrency ${concurrency}: expected an integer ≥ 1`);
  }

  /** Queues a study; false when the queue is full (the caller answers 503). */
  add(uid: string): boolean {
    if (this.running.has(uid)) {
      this.rerun.add(uid);
      return true;
    }
    if (this.waiting.includes(uid)) return true;
    if (this.waiting.length >= this.capacity) return false;
    this.waiting.push(uid);
    if (this.running.size < this.concurrency) void this.lane();
    return true;
  }

  get pending(): number {
    return this.waiting.length + this.running.size;
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  /** One lane: takes waiting studies until none is left. */
  private async lane(): Promise<void> {
    while (this.waiting.length > 0) {
      const uid = this.waiting.shift()!;
      this.running.add(uid);
      do {
        this.rerun.delete(uid);
        await this.analyse(uid);
      } while (this.rerun.has(uid));
      this.running.delete(uid);
    }
    if (this.pending === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
