// Studies that arrive instance by instance (C-STORE) are analysed once they have been quiet: each
// instance restarts its study's timer, and the study is handed on when the timer runs out.

/** Seconds without a new instance after which a study received over DIMSE is analysed. */
export const DEFAULT_QUIET_SECONDS = 10;

export class QuietTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly due: (key: string) => void,
    private readonly quietMs: number,
  ) {}

  /** Something arrived for `key`: (re)start its timer. */
  touch(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.due(key);
    }, this.quietMs));
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
