/**
 * A model as an ONNX file, for ONNX Runtime (onnxruntime-web, -node), Netron and serving stacks.
 * One input, `pixels`: [N, channels, height, width] ([N, 1, 28, 28] for MNIST) when the model's
 * first layer takes an image, else [N, features] ([N, 784] for softmax regression and MLPs),
 * float in [0, 1] as the model was trained on. Two outputs: `logits` [N, classes] and their
 * softmax, `probabilities`. Opset 13 and IR version 7 (ONNX 1.8, 2020), which every current ONNX
 * Runtime runs.
 * Each layer is one operator (two for `gap`, the mean then a flatten; dropout, absent in
 * inference, none); the weights are initialisers under the checkpoint's names.
 */
import { FormatError } from '../engine/errors.js';
import { float32Bytes } from '../engine/io/byte-order.js';
import { BN_EPSILON } from '../engine/layers/batch-norm.js';
import type { LayerSpec } from '../engine/layers/layer.js';
import { layerNames } from '../engine/model/param-entries.js';
import type { Sequential } from '../engine/model/sequential.js';
import { onnxType } from './onnx-schema.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'pixels';
export const ONNX_LOGITS = 'logits';
export const ONNX_PROBABILITIES = 'probabilities';

/** TensorProto.DataType.FLOAT and the AttributeProto.AttributeType values used here. */
const FLOAT = 1;
const ATTRIBUTE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export interface OnnxOptions {
  /** Key-value pairs for the model's metadata_props (checkpointMetadata gives a checkpoint's). */
  metadata?: Record<string, string>;
  /** The graph's name (default 'mnist-ts'). */
  name?: string;
}

type Attribute = { name: string; type: number; f?: number; i?: number; ints?: number[] };
const ints = (name: string, values: number[]): Attribute => ({ name, type: ATTRIBUTE.INTS, ints: values });
const int = (name: string, value: number): Attribute => ({ name, type: ATTRIBUTE.INT, i: value });

/** The graph as it is built: its nodes, its initialisers, and the value the next node reads. */
class GraphBuilder {
  readonly nodes: object[] = [];
  readonly initializers: object[] = [];
  current = ONNX_INPUT;

  constructor(private readonly model: Sequential) {}

  /** Appends a node reading the current value (then `inputs`); its output becomes the current value. */
  node(op: string, name: string, inputs: string[] = [], attribute: Attribute[] = [], output = `${name}.${op}`): void {
    this.nodes.push({ op_type: op, name: `${name}.${op}`, input: [this.current, ...inputs], output: [output], attribute });
    this.current = output;
  }

  /** A trained tensor of the model (a parameter or a running statistic) as an initialiser; returns its name. */
  tensor(name: string, dims: number[]): string {
    this.initializers.push({ name, dims, data_type: FLOAT, raw_data: float32Bytes(this.model.tensor(name)) });
    return name;
  }
}

/**
 * One layer's operators. `name` names its nodes (its index and type), `params` its tensors (its
 * name in the checkpoint: conv2d0); `image`: its input is [N, C, H, W], which a dense layer flattens.
 */
function addLayer(g: GraphBuilder, spec: LayerSpec, name: string, params: string, image: boolean): void {
  switch (spec.type) {
    case 'dense':
      if (image) g.node('Flatten', name, [], [int('axis', 1)]);
      return g.node('Gemm', name, [g.tensor(`${params}.weight`, [spec.inputs, spec.outputs]), g.tensor(`${params}.bias`, [spec.outputs])]);
    case 'conv2d': {
      const k = spec.kernel;
      const before = spec.padding === 'same' ? Math.floor((k - 1) / 2) : 0;
      const after = spec.padding === 'same' ? k - 1 - before : 0;
      const weight = g.tensor(`${params}.weight`, [spec.filters, spec.input[0], k, k]);
      return g.node('Conv', name, [weight, g.tensor(`${params}.bias`, [spec.filters])], [ints('kernel_shape', [k, k]), ints('strides', [1, 1]), ints('pads', [before, before, after, after])]);
    }
    case 'maxpool2d':
      return g.node('MaxPool', name, [], [ints('kernel_shape', [spec.size, spec.size]), ints('strides', [spec.size, spec.size])]);
    case 'globalavgpool':
      g.node('GlobalAveragePool', name);
      return g.node('Flatten', name, [], [int('axis', 1)]);
    case 'flatten':
      return spec.input.length > 1 ? g.node('Flatten', name, [], [int('axis', 1)]) : undefined;
    case 'relu':
      return g.node('Relu', name);
    case 'batchnorm': {
      const c = spec.shape[0];
      const inputs = ['weight', 'bias', 'running_mean', 'running_var'].map((t) => g.tensor(`${params}.${t}`, [c]));
      return g.node('BatchNormalization', name, inputs, [{ name: 'epsilon', type: ATTRIBUTE.FLOAT, f: BN_EPSILON }]);
    }
    case 'dropout':
      return; // identity in inference
    default:
      throw new FormatError(`ONNX export: layer type '${(spec as { type: string }).type}' has no ONNX operator here`);
  }
}

/** The shape of the model's input, batch first: ['N', 1, 28, 28] or ['N', 784]. */
export function onnxInputShape(model: Sequential): (string | number)[] {
  return ['N', ...model.inputShape];
}

function valueInfo(name: string, shape: (string | number)[], doc_string: string): object {
  const dim = shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d }));
  return { name, doc_string, type: { tensor_type: { elem_type: FLOAT, shape: { dim } } } };
}

/** The model, inference only, as the bytes of an ONNX file (opset 13). */
export function toOnnx(model: Sequential, options: OnnxOptions = {}): Uint8Array {
  const g = new GraphBuilder(model);
  const specs = model.spec();
  const names = layerNames(model.layers);
  // What a layer is given: the previous layer's output (a dense layer's own input shape is always flat).
  const given = (l: number) => (l === 0 ? model.layers[0].inputShape : model.layers[l - 1].outputShape);
  specs.forEach((spec, l) => addLayer(g, spec, `${l}_${spec.type}`, names[l], given(l).length === 3));
  // The last node's output is renamed `logits` (a model of dropout alone would have none: a graph needs one).
  const last = g.nodes.at(-1) as { output: string[] } | undefined;
  if (!last) throw new FormatError('ONNX export: the model computes nothing in inference (only dropout layers)');
  last.output = [ONNX_LOGITS];
  g.current = ONNX_LOGITS;
  g.node('Softmax', 'output', [], [int('axis', 1)], ONNX_PROBABILITIES);
  const classes = model.outputSize;
  const graph = {
    name: options.name ?? 'mnist-ts',
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT, onnxInputShape(model), 'float in [0, 1]: each pixel / 255, a white digit on black as in MNIST')],
    output: [valueInfo(ONNX_LOGITS, ['N', classes], 'one score a class'), valueInfo(ONNX_PROBABILITIES, ['N', classes], 'the softmax of the logits')],
  };
  const metadata_props = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
  const ModelProto = onnxType('ModelProto');
  const message = ModelProto.fromObject({ ir_version: ONNX_IR_VERSION, producer_name: 'mnist-ts', opset_import: [{ domain: '', version: ONNX_OPSET }], graph, metadata_props });
  return ModelProto.encode(message).finish();
}
