import Database from 'better-sqlite3';
import { join } from 'node:path';

/** The run record of a model folder (runs.db): settings, one row per epoch, artifacts. */
export class RunRecord {
  private readonly db: Database.Database;
  readonly runId: number;

  constructor(out: string, settings: object, resumeOf?: number) {
    this.db = new Database(join(out, 'runs.db'));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, settings TEXT NOT NULL, resumed_from INTEGER, finished TEXT, outcome TEXT);
      CREATE TABLE IF NOT EXISTS epochs (run_id INTEGER NOT NULL, epoch INTEGER NOT NULL, train_loss REAL, val_loss REAL, seconds REAL, images_per_s REAL, PRIMARY KEY (run_id, epoch));
      CREATE TABLE IF NOT EXISTS artifacts (run_id INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL);`);
    this.runId = Number(this.db.prepare('INSERT INTO runs (started, settings, resumed_from) VALUES (?, ?, ?)').run(new Date().toISOString(), JSON.stringify(settings), resumeOf ?? null).lastInsertRowid);
  }

  epoch(epoch: number, trainLoss: number, valLoss: number, seconds: number, imagesPerS: number): void {
    this.db.prepare('INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?)').run(this.runId, epoch, trainLoss, valLoss, seconds, imagesPerS);
  }

  artifact(kind: string, path: string): void {
    this.db.prepare('INSERT INTO artifacts VALUES (?, ?, ?)').run(this.runId, kind, path);
  }

  finish(outcome: string): void {
    this.db.prepare('UPDATE runs SET finished = ?, outcome = ? WHERE id = ?').run(new Date().toISOString(), outcome, this.runId);
    this.db.close();
  }
}
