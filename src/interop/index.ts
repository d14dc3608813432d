/**
 * mnist-ts/interop: models that travel. ONNX export (for ONNX Runtime in browsers and Node, and
 * Netron), and PyTorch state_dicts both ways (safetensors files of an nn.Sequential's weights).
 * Portable, as the engine is: bytes in, bytes out.
 */
export { toOnnx, onnxInputShape, ONNX_OPSET, ONNX_IR_VERSION, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES, type OnnxOptions } from './onnx.js';
export { toTorchStateDict, loadTorchStateDict, torchModules, torchSequentialText, type TorchModule } from './torch.js';
export { checkpointMetadata } from './metadata.js';
