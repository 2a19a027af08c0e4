import { closeSync, openSync, readSync } from 'node:fs';
import type { CacheInfo } from './cache.js';
import { shardPath } from './cache.js';
import type { Db } from './db.js';

/** Random access to cached uint8 tensors, keeping one file descriptor per shard open. */
export class TensorReader {
  private readonly fds = new Map<number, number>();
  private readonly locate;

  constructor(
    db: Db,
    readonly info: CacheInfo,
  ) {
    this.locate = db.prepare('SELECT shard, slot FROM cache_entries WHERE cache = ? AND file_id = ?');
  }

  /** Reads the tensor of file `fileId` into `out` (recordBytes long); false when it is not cached. */
  read(fileId: number, out: Uint8Array = new Uint8Array(this.info.recordBytes)): Uint8Array | undefined {
    const at = this.locate.get(this.info.key, fileId) as { shard: number; slot: number } | undefined;
    if (!at) return undefined;
    let fd = this.fds.get(at.shard);
    if (fd === undefined) {
      fd = openSync(shardPath(this.info, at.shard), 'r');
      this.fds.set(at.shard, fd);
    }
    const n = readSync(fd, out, 0, this.info.recordBytes, at.slot * this.info.recordBytes);
    if (n !== this.info.recordBytes) throw new Error(`cache shard ${at.shard} is short: slot ${at.slot} gave ${n} bytes`);
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
