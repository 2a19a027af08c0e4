import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, type Label } from '../data/labels.js';
import { compileInference, type Model, modelParams, type Weights } from '../engine/index.js';
import type { MahalanobisParams } from '../engine/ood-score.js';
import type { ConformanceRanges } from '../dicom/conformance.js';
import { type ContextSpec, contextChannels } from '../preprocess/context.js';
import type { HuWindow } from '../preprocess/window.js';
import type { OodCard } from './ood.js';
import { buildModel, type Architecture } from './registry.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

export const MODEL_FORMAT_VERSION = 1;

/** model.json: everything needed to rebuild, feed and judge a model. */
/** Platt scaling of one label: p' = σ(a·logit(p) + b). Identity: a = 1, b = 0. */
export interface PlattParams {
  a: number;
  b: number;
}

/** `model.json`'s `study`: how study probabilities are formed from slice probabilities, and where the calibration came from. */
export interface StudyCalibrationCard {
  aggregation: 'max-over-slices';
  calibration: Record<Label, PlattParams>;
  fitted: { part: string; studies: number; positives: Record<Label, number> };
}

export interface ModelCard {
  format: 'ichdetect-model';
  version: number;
  architecture: Architecture;
  input: {
    size: number;
    /** Input channels: the windows, plus neighbours' windows with a context. */
    channels: number;
    windows: HuWindow[];
    layout: 'NCHW';
    range: [number, number];
    /** 2.5-D: each input stacks the slice's windows with its neighbours' along the series. */
    context?: ContextSpec;
    /** The batch is one series, slices in order along the normal (sequence models). */
    series?: boolean;
  };
  labels: readonly string[];
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** Study-level probabilities: aggregation and per-label Platt calibration (written by calibrateStudies). */
  study?: StudyCalibrationCard;
  /** The out-of-distribution score in model.onnx (`ood_score`, parameters in ood.safetensors) and its threshold. */
  ood?: OodCard;
  /** The header ranges of the training part that input conformance checks slices against. */
  conformance?: ConformanceRanges;
  created: string;
}

export interface ModelFolder {
  card: ModelCard;
  model: Model;
  weights: Weights;
  /** The out-of-distribution score's parameters (with card.ood). */
  ood?: MahalanobisParams;
}

const OOD_FILE = 'ood.safetensors';

/**
 * Writes a model folder: model.json (the card), weights.safetensors (every parameter, float32) and
 * model.onnx (the inference graph with the weights inside: any ONNX runtime can run it, input
 * `input` N×C×H×W float32, output `probabilities` N×6 in the order of `labels`); with an
 * out-of-distribution fit, ood.safetensors and a second output `ood_score` [N].
 */
export function saveModelFolder(dir: string, folder: ModelFolder): void {
  mkdirSync(dir, { recursive: true });
  const params = modelParams(folder.model);
  const tensors = new Map(params.map((p) => {
    const data = folder.weights.get(p.name);
    if (!data) throw new Error(`saveModelFolder: no weights for ${p.name}`);
    return [p.name, { shape: p.shape, data }];
  }));
  writeSafetensors(join(dir, 'weights.safetensors'), tensors, { format: 'ichdetect-model', architecture: folder.card.architecture.name });
  const { ood, card } = folder;
  if (Boolean(ood) !== Boolean(card.ood)) throw new Error('saveModelFolder: out-of-distribution parameters and card.ood go together');
  if (ood) writeSafetensors(join(dir, OOD_FILE), new Map([['whitening', { shape: [ood.whitenedMeans.length / ood.dim, ood.dim, ood.dim], data: ood.whitening }], ['whitened_means', { shape: [ood.whitenedMeans.length / ood.dim, ood.dim], data: ood.whitenedMeans }]]), { format: 'ichdetect-ood', method: card.ood!.method });
  writeFileSync(join(dir, 'model.onnx'), compileInference(folder.model, folder.weights, { name: card.architecture.name, ...(ood ? { ood: { ...ood, nodes: card.ood!.nodes } } : {}) }));
  writeModelCard(dir, card);
}

/** Writes DIR/model.json. */
export function writeModelCard(dir: string, card: ModelCard): void {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
}

/** Reads and checks DIR/model.json (the card alone, without the weights). */
export function readModelCard(dir: string): ModelCard {
  const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelCard;
  if (card.format !== 'ichdetect-model') throw new Error(`${dir}/model.json is not an ichdetect model card`);
  if (card.version > MODEL_FORMAT_VERSION) throw new Error(`${dir}: model format ${card.version} is newer than this ichdetect (${MODEL_FORMAT_VERSION})`);
  return card;
}

/** Reads a model folder back: the card, the rebuilt layer graph and its weights (checked against it). */
export function loadModelFolder(dir: string): ModelFolder {
  const card = readModelCard(dir);
  const model = buildModel(card.architecture);
  const { tensors } = readSafetensors(join(dir, 'weights.safetensors'));
  const weights: Weights = new Map();
  for (const p of modelParams(model)) {
    const t = tensors.get(p.name);
    if (!t) throw new Error(`${dir}/weights.safetensors has no tensor ${p.name}`);
    if (t.shape.join('x') !== p.shape.join('x')) throw new Error(`${dir}: ${p.name} is [${t.shape}], the architecture needs [${p.shape}]`);
    weights.set(p.name, t.data);
  }
  return { card, model, weights, ...(card.ood ? { ood: readOod(dir) } : {}) };
}

function readOod(dir: string): MahalanobisParams {
  const { tensors } = readSafetensors(join(dir, OOD_FILE));
  const whitening = tensors.get('whitening');
  const whitenedMeans = tensors.get('whitened_means');
  if (!whitening || !whitenedMeans) throw new Error(`${dir}/${OOD_FILE} lacks whitening or whitened_means`);
  return { dim: whitening.shape[1]!, whitening: whitening.data, whitenedMeans: whitenedMeans.data };
}

/** A fresh card for an architecture and its input. */
export function modelCard(architecture: Architecture, windows: HuWindow[], size: number, input: { context?: ContextSpec; series?: boolean } = {}): ModelCard {
  const context = input.context?.slices ? { context: input.context } : {};
  return {
    format: 'ichdetect-model',
    version: MODEL_FORMAT_VERSION,
    architecture,
    input: { size, channels: contextChannels(windows.length, input.context), windows, layout: 'NCHW', range: [0, 1], ...context, ...(input.series ? { series: true } : {}) },
    labels: LABELS,
    created: new Date().toISOString(),
  };
}
