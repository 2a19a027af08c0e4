// A training step graph held open in ONNX Runtime with the model's state between steps: each step's
// updated parameters, buffers and optimizer state (ORT output tensors) are fed straight back as the
// next step's inputs, so nothing is copied through JavaScript arrays between steps.
import { NAMES, type TrainStepGraph, type TrainStepOptions, compileTrainStep } from './compile.js';
import type { Model, Weights } from './graph.js';
import { openSession, ort } from './session.js';

export interface TrainSessionOptions extends TrainStepOptions {
  threads?: number;
  /** Resume: optimizer state by input name (from optimizerState()) and the steps already taken. */
  resume?: { state: Map<string, Float32Array>; steps: number };
}

export class TrainSession {
  private readonly feeds: Record<string, ort.Tensor> = {};
  /** Steps taken (Adam's bias correction counts from 1). */
  steps = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly graph: TrainStepGraph,
    weights: Weights,
    resume?: TrainSessionOptions['resume'],
  ) {
    const tensor = (name: string, shape: number[]) => {
      const data = weights.get(name);
      if (!data) throw new Error(`TrainSession: no weights for ${name}`);
      return new ort.Tensor('float32', Float32Array.from(data), shape);
    };
    for (const p of graph.params) this.feeds[p.input] = tensor(p.name, p.shape);
    for (const b of graph.buffers) this.feeds[b.input] = tensor(b.name, b.shape);
    for (const c of graph.constants) this.feeds[c.input] = tensor(c.name, c.shape);
    for (const s of graph.state) {
      const saved = resume?.state.get(s.input);
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (saved && saved.length !== size) throw new Error(`TrainSession: optimizer state ${s.input} has ${saved.length} values, ${size} expected`);
      this.feeds[s.input] = new ort.Tensor('float32', saved ? Float32Array.from(saved) : new Float32Array(size), s.shape);
    }
    this.steps = resume?.steps ?? 0;
  }

  /** Compiles the model's training step and opens it with these starting weights (copied). */
  static async open(model: Model, weights: Weights, options: TrainSessionOptions = {}): Promise<TrainSession> {
    const graph = compileTrainStep(model, options);
    const session = await openSession(graph.bytes, { threads: options.threads });
    return new TrainSession(session, graph, weights, options.resume);
  }

  /** One optimizer step on a batch (N×C×H×W) and its labels (N×K); returns the loss before the update. */
  async step(batch: Float32Array, labels: Float32Array, batchShape: readonly number[], learningRate: number): Promise<number> {
    const n = batchShape[0]!;
    this.feeds[NAMES.batch] = new ort.Tensor('float32', batch, batchShape);
    this.feeds[NAMES.labels] = new ort.Tensor('float32', labels, [n, labels.length / n]);
    this.feeds[NAMES.step] = new ort.Tensor('float32', Float32Array.of(this.steps + 1), []);
    this.feeds[NAMES.learningRate] = new ort.Tensor('float32', Float32Array.of(learningRate), []);
    const out = await this.session.run(this.feeds);
    for (const io of [...this.graph.params, ...this.graph.buffers, ...this.graph.state]) this.feeds[io.input] = out[io.output]!;
    this.steps++;
    return (out[NAMES.loss]!.data as Float32Array)[0]!;
  }

  /** The current weights (parameters, buffers and frozen constants), copied out. */
  weights(): Weights {
    const names = [...this.graph.params, ...this.graph.buffers, ...this.graph.constants];
    return new Map(names.map((io) => [io.name, Float32Array.from(this.feeds[io.input]!.data as Float32Array)]));
  }

  /** The optimizer state by input name (for checkpoints), copied out. */
  optimizerState(): Map<string, Float32Array> {
    return new Map(this.graph.state.map((s) => [s.input, Float32Array.from(this.feeds[s.input]!.data as Float32Array)]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
