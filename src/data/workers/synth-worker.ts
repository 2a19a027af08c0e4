import { type PlanOptions, planStudy } from '../phantom/plan.js';
import { type StudyResult, writeStudy } from '../phantom/study.js';

export interface SynthTask {
  index: number;
  plan: PlanOptions;
  dir: string;
}

/** Piscina task: plan (from the data set's seed and the study's index) and write one phantom study. */
export default function synthStudy(task: SynthTask): Promise<StudyResult> {
  return writeStudy(planStudy(task.index, task.plan), task.dir);
}
