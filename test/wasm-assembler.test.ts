/** The run-time WebAssembly assembler: encodings, and modules that validate and compute. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { f32, i32, ModuleBuilder, signedLeb128, unsignedLeb128, v128 } from '../src/engine/wasm/assembler.js';
import { relaxedSimdSupported, simdSupported } from '../src/engine/wasm/features.js';
import { csrKernelModule } from '../src/engine/kernels/csr-simd.js';
import { denseKernelModule } from '../src/engine/kernels/matmul-simd.js';
import { elementwiseModule } from '../src/engine/kernels/elementwise-simd.js';
import { optimizerModule } from '../src/engine/kernels/optimizer-simd.js';
import { softmaxModule } from '../src/engine/kernels/softmax-simd.js';
import { gatherModule } from '../src/engine/kernels/gather-simd.js';
import { transposeModule } from '../src/engine/kernels/transpose-simd.js';
import { wasmApi } from '../src/engine/wasm/runtime.js';

const WebAssembly = wasmApi()!;

test('LEB128: the spec\'s own examples and the edges', () => {
  assert.equal(unsignedLeb128(0), [0x00]);
  assert.equal(unsignedLeb128(127), [0x7f]);
  assert.equal(unsignedLeb128(128), [0x80, 0x01]);
  assert.equal(unsignedLeb128(624485), [0xe5, 0x8e, 0x26]);
  assert.equal(unsignedLeb128(0xffffffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.equal(signedLeb128(0), [0x00]);
  assert.equal(signedLeb128(-1), [0x7f]);
  assert.equal(signedLeb128(63), [0x3f]);
  assert.equal(signedLeb128(64), [0xc0, 0x00], '64 needs a second byte: bit 6 would read as a sign');
  assert.equal(signedLeb128(-64), [0x40]);
  assert.equal(signedLeb128(-123456), [0xc0, 0xbb, 0x78]);
  assert.equal(signedLeb128(-0x80000000), [0x80, 0x80, 0x80, 0x80, 0x78]);
  assert.throws(() => unsignedLeb128(-1), RangeError);
  assert.throws(() => signedLeb128(2 ** 31), RangeError);
});

test('a module\'s bytes: header, type, function, export and code sections', () => {
  const bytes = new ModuleBuilder().function('add', [i32, i32], [i32], (f) => f.get(0).get(1).i32Add()).build();
  assert.equal(Array.from(bytes), [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type section: (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00, // function section: function 0 has type 0
    0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, // export "add" = function 0
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code: no locals, local.get 0, local.get 1, i32.add, end
  ]);
  const add = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports.add as (a: number, b: number) => number;
  assert.is(add(40, 2), 42);
});

test('locals, loops, memory and SIMD compute what they say', () => {
  assert.ok(simdSupported(), 'Node 20 has WebAssembly SIMD');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  // sum4(p, n): the sum of n floats at p, four lanes at a time (n a multiple of 4)
  const bytes = new ModuleBuilder()
    .importMemory({ module: 'env', field: 'memory', initial: 1, maximum: 4, shared: true })
    .function('sum4', [i32, i32], [f32], (f) => {
      const acc = f.local(v128);
      const end = f.local(i32);
      f.f32Const(0).f32x4Splat().set(acc);
      f.get(0).get(1).i32Const(2).i32Shl().i32Add().set(end);
      f.block().loop();
      f.get(0).get(end).i32GeU().brIf(1);
      f.get(acc).get(0).v128Load(0).f32x4Add().set(acc);
      f.get(0).i32Const(16).i32Add().set(0).br(0);
      f.end().end();
      f.get(acc).f32x4ExtractLane(0).get(acc).f32x4ExtractLane(1).f32Add().get(acc).f32x4ExtractLane(2).f32Add().get(acc).f32x4ExtractLane(3).f32Add();
    })
    .build();
  assert.ok(WebAssembly.validate(bytes));
  const sum4 = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.sum4 as (p: number, n: number) => number;
  const xs = new Float32Array(memory.buffer, 64, 12);
  xs.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5]);
  assert.is(sum4(64, 12), 78.5);
});

test('64-bit lane loads and stores: encodings, and they move two floats and leave the rest', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  // half(src, dst): dst[0..1] = src[0..1] + src[0..1] through the low half of a v128; dst[2] untouched
  const bytes = new ModuleBuilder()
    .importMemory({ module: 'env', field: 'memory', initial: 1, maximum: 4, shared: true })
    .function('half', [i32, i32], [], (f) => {
      f.get(1).get(0).v128Load64Zero(4).get(0).v128Load64Zero(4).f32x4Add().v128Store64Lane0(8);
    })
    .build();
  const code = Array.from(bytes);
  const at = (ops: number[]) => code.some((_, i) => ops.every((b, j) => code[i + j] === b));
  assert.ok(at([0xfd, 0x5d, 0x02, 0x04]), 'v128.load64_zero, align 2^2, offset 4');
  assert.ok(at([0xfd, 0x5b, 0x02, 0x08, 0x00]), 'v128.store64_lane, align 2^2, offset 8, lane 0');
  assert.ok(WebAssembly.validate(bytes));
  const half = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.half as (src: number, dst: number) => void;
  const f = new Float32Array(memory.buffer, 0, 16);
  f.set([0, 1.5, 2.25, 99], 0); // src = 0: the pair read is at byte 4 (1.5, 2.25)
  f.set([7, 7, 7, 7, 7], 8); // dst = 32: written at byte 40 (floats 10 and 11)
  half(0, 32);
  assert.equal(Array.from(f.subarray(8, 13)), [7, 7, 3, 4.5, 7]);
});

test('every module the engine can emit validates (plain SIMD; fused where the platform has relaxed SIMD)', () => {
  const widths = [1, 2, 3, 4, 5, 7, 8, 10, 16, 32, 33, 64, 100, 128, 256, 257, 784];
  for (const n of widths) assert.ok(WebAssembly.validate(csrKernelModule(n, false)), `csr kernels, n = ${n}`);
  for (const n of widths) assert.is(WebAssembly.validate(csrKernelModule(n, true)), relaxedSimdSupported() || n === 1, `fused csr kernels, n = ${n}`);
  for (const n of widths) assert.ok(WebAssembly.validate(denseKernelModule(n, false)), `dense kernels, n = ${n}`);
  assert.ok(WebAssembly.validate(elementwiseModule()), 'elementwise kernels');
  assert.ok(WebAssembly.validate(optimizerModule()), 'optimiser updates');
  assert.ok(WebAssembly.validate(gatherModule()), 'batch gather');
  assert.ok(WebAssembly.validate(transposeModule()), 'transpose');
  for (const n of [1, 3, 4, 10, 17]) assert.ok(WebAssembly.validate(softmaxModule(n)), `softmax cross-entropy, ${n} classes`);
  for (const n of widths) assert.is(WebAssembly.validate(denseKernelModule(n, true)), relaxedSimdSupported() || n === 1, `fused dense kernels, n = ${n}`);
});

test.run();
