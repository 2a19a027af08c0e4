// The Emitter hands out unique value names and collects nodes and initializers, so that forward and
// backward code reads like the math: `const y = e.op('Conv', [x, w, b], { pads: [1, 1, 1, 1] })`.
import { type Attrs, type GraphParts, type NodeProto, type TensorProto, type ValueInfoProto, floatTensor, int64Tensor, node } from './onnx.js';

export class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private scopes: string[] = [];

  /** Mark names the caller owns (graph inputs) so that fresh names never collide with them. */
  reserve(...names: string[]): void {
    for (const n of names) {
      if (this.used.has(n)) throw new Error(`value name ${n} is used twice`);
      this.used.add(n);
    }
  }

  /** A name not handed out before, under the current scope: `conv1/Conv_3`. */
  fresh(hint: string): string {
    const base = this.scopes.length > 0 ? `${this.scopes.join('/')}/${hint}` : hint;
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Run `body` with names prefixed by `scope` (for readable graphs in Netron and profiles). */
  scoped<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** Emit one node with one output; returns the output's name. An empty input name means "absent". */
  op(opType: string, inputs: readonly string[], attrs: Attrs = {}, outputName?: string): string {
    return this.opN(opType, inputs, 1, attrs, outputName === undefined ? undefined : [outputName])[0];
  }

  /** Emit one node with `count` outputs. */
  opN(opType: string, inputs: readonly string[], count: number, attrs: Attrs = {}, outputNames?: readonly string[]): string[] {
    const outputs = outputNames ? [...outputNames] : Array.from({ length: count }, () => this.fresh(opType));
    if (outputNames) this.reserve(...outputNames);
    this.nodes.push(node(opType, inputs, outputs, attrs, this.fresh(`${opType}_node`)));
    return outputs;
  }

  /** Emit an Identity that gives an existing value a chosen (graph output) name. */
  rename(value: string, name: string): string {
    return this.op('Identity', [value], {}, name);
  }

  /** A float32 initializer under an exact name (parameters baked into an inference graph). */
  initializer(name: string, dims: readonly number[], data: Float32Array): string {
    this.reserve(name);
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  /** A float32 constant, shared between uses of the same values. */
  constF(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : [...values];
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    const key = `f:${shape.join('x')}:${list.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.freshGlobal('const_f');
    this.initializers.push(floatTensor(name, shape, list));
    this.constants.set(key, name);
    return name;
  }

  /** An int64 constant (shapes, axes, slice bounds), shared between uses of the same values. */
  constI64(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : [...values];
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    const key = `i:${shape.join('x')}:${list.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.freshGlobal('const_i64');
    this.initializers.push(int64Tensor(name, shape, list));
    this.constants.set(key, name);
    return name;
  }

  private freshGlobal(hint: string): string {
    const saved = this.scopes;
    this.scopes = [];
    try {
      return this.fresh(hint);
    } finally {
      this.scopes = saved;
    }
  }

  /** The collected nodes and initializers as a graph with these inputs and outputs. */
  graph(name: string, inputs: readonly ValueInfoProto[], outputs: readonly ValueInfoProto[], docString?: string): GraphParts {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs, docString };
  }

  // Shorthands for the elementwise and shape ops that backward code uses most.
  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  /** x * c for a float scalar c. */
  scale(x: string, c: number): string { return c === 1 ? x : this.mul(x, this.constF(c)); }
  reshape(x: string, shape: readonly number[] | string): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.constI64(shape)]);
  }
  transpose(x: string, perm: readonly number[]): string { return this.op('Transpose', [x], { perm }); }
  shape(x: string): string { return this.op('Shape', [x]); }
  /** x's first dimension (its rows) as an int64 [1] value. */
  rows(x: string): string { return this.op('Slice', [this.shape(x), this.constI64([0]), this.constI64([1])]); }
  /** x's dimensions after the first, as an int64 [rank − 1] value. */
  rowShape(x: string): string { return this.op('Slice', [this.shape(x), this.constI64([1]), this.constI64([Number.MAX_SAFE_INTEGER])]); }
  /** ReduceSum over `axes` (opset 13+: axes is an input). */
  reduceSum(x: string, axes: readonly number[], keepdims = false): string {
    return this.op('ReduceSum', [x, this.constI64(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  /** The sum of several values (gradient accumulation); one value passes through. */
  sum(values: readonly string[]): string {
    if (values.length === 0) throw new Error('sum of no values');
    return values.length === 1 ? values[0] : this.op('Sum', values);
  }
}
