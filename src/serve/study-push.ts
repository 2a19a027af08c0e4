// `ich serve --push dimse://AET@host:port`: each study, once analysed, goes back to the PACS as its
// result objects (push.ts) by C-STORE. The same content (model and instances analysed) is pushed once:
// a study sent again unchanged is analysed again but gets no second report; one that gained instances
// gets a new one. What happened is kept in the study's result (`pushed`, or `pushError`).
import { createHash } from 'node:crypto';
import { readInstance } from '../dicom/naturalized.js';
import type { PredictResult } from '../predict/predictor.js';
import type { SliceAttributions } from './attributions.js';
import { type PushedInstances, pushAnalysis, type ResultSink } from './push.js';
import type { ServeStore } from './store.js';

export type PushOutcome = { pushed: PushedInstances } | { alreadyPushed: PushedInstances } | { pushError: string } | undefined;

export class StudyPusher {
  constructor(private readonly sink: ResultSink, private readonly store: ServeStore, private readonly attributions: SliceAttributions) {}

  /** Pushes an analysed study's results unless this content was pushed before; undefined when there is nothing to push (no slice analysed). */
  async push(uid: string, r: Pick<PredictResult, 'card' | 'studies' | 'slices'>): Promise<PushOutcome> {
    const study = r.studies[0];
    if (!study) return undefined;
    const model = { name: r.card.architecture.name, created: r.card.created };
    const content = createHash('sha256').update(JSON.stringify([model, r.slices.map((s) => s.sop).sort()])).digest('hex');
    const before = this.store.pushed(uid, content) as PushedInstances | undefined;
    if (before) return { alreadyPushed: before };
    try {
      const analysed = r.slices.map((s) => ({ path: s.path, sop: s.sop, study: s.study, series: s.series, sopClassUID: String(readInstance(s.path).SOPClassUID) }));
      const pushed = await pushAnalysis(this.sink, { study, model, analysed, attributions: this.attributions });
      this.store.recordPush(uid, content, pushed);
      return { pushed };
    } catch (err) {
      return { pushError: (err as Error).message };
    }
  }
}
