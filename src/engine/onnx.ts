// A tiny builder over onnx-proto: tensors, nodes with attributes, value infos, models.
// Everything here is plain protobuf plumbing; what the graphs compute lives in the layers.
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
type Onnx = typeof onnxProto.onnx;
export type TensorProto = InstanceType<Onnx['TensorProto']>;
export type NodeProto = InstanceType<Onnx['NodeProto']>;
export type ValueInfoProto = InstanceType<Onnx['ValueInfoProto']>;
export type AttributeProto = InstanceType<Onnx['AttributeProto']>;

export const OPSET = 17;
export const IR_VERSION = 8;

export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT64: onnx.TensorProto.DataType.INT64,
  BOOL: onnx.TensorProto.DataType.BOOL,
} as const;
export type ElemType = 'float32' | 'int64' | 'bool';

const elemCode: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

/** A float attribute written with an integral value (`alpha: floatAttr(1)`) would otherwise be an INT. */
export class FloatAttr {
  constructor(readonly value: number | readonly number[]) {}
}
export const floatAttr = (value: number | readonly number[]): FloatAttr => new FloatAttr(value);

export type AttrValue = number | readonly number[] | string | FloatAttr | TensorProto;
export type Attrs = Record<string, AttrValue | undefined>;

/** Attribute names that are FLOAT in every standard operator that has them. */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'momentum', 'gamma', 'lambd', 'ratio', 'scale', 'spatial_scale', 'bias']);

export function attribute(name: string, value: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof onnx.TensorProto) return onnx.AttributeProto.create({ name, type: T.TENSOR, t: value });
  if (typeof value === 'string') {
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  }
  const forceFloat = value instanceof FloatAttr;
  const raw = value instanceof FloatAttr ? value.value : value;
  if (typeof raw === 'number') {
    const isFloat = forceFloat || FLOAT_ATTRS.has(name) || !Number.isInteger(raw);
    return isFloat
      ? onnx.AttributeProto.create({ name, type: T.FLOAT, f: raw })
      : onnx.AttributeProto.create({ name, type: T.INT, i: raw });
  }
  const list = raw as readonly number[];
  const isFloat = forceFloat || FLOAT_ATTRS.has(name) || list.some((v) => !Number.isInteger(v));
  return isFloat
    ? onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...list] })
    : onnx.AttributeProto.create({ name, type: T.INTS, ints: [...list] });
}

export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Attrs = {}, name?: string): NodeProto {
  const attribute_ = Object.entries(attrs)
    .filter((entry): entry is [string, AttrValue] => entry[1] !== undefined)
    .map(([k, v]) => attribute(k, v));
  return onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], attribute: attribute_, name: name ?? outputs[0] });
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== length) throw new Error(`tensor ${name}: shape [${dims.join(',')}] holds ${n} values, data has ${length}`);
}

/** A float32 tensor (initializer or attribute), stored as raw little-endian bytes. */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array | readonly number[]): TensorProto {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  checkSize(name, dims, values.length);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytesOf(values) });
}

/** An int64 tensor; numbers must be safe integers. */
export function int64Tensor(name: string, dims: readonly number[], data: BigInt64Array | readonly number[]): TensorProto {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  checkSize(name, dims, values.length);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: DataType.INT64, rawData: bytesOf(values) });
}

/** A dimension is a fixed size or a symbolic name such as 'N'. */
export type Dim = number | string;

export function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: elemCode[elemType], shape: { dim } } },
  });
}

export interface GraphParts {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
  docString?: string;
}

export function modelProto(graph: GraphParts, producer = 'ichdetect'): InstanceType<Onnx['ModelProto']> {
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: producer,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: [...graph.nodes],
      initializer: [...graph.initializers],
      input: [...graph.inputs],
      output: [...graph.outputs],
      docString: graph.docString,
    },
  });
}

/** Serialize a graph into the bytes of an .onnx file. */
export function serializeModel(graph: GraphParts, producer?: string): Uint8Array {
  return onnx.ModelProto.encode(modelProto(graph, producer)).finish();
}

/** Decode .onnx bytes (for inspection and tests). */
export function decodeModel(bytes: Uint8Array): InstanceType<Onnx['ModelProto']> {
  return onnx.ModelProto.decode(bytes);
}
