/**
 * The SIMD kernels' memory past 2 GiB: its arena's pointer (a 32-bit word Atomics can move) still
 * counts right there, and the kernels read and write arrays that lie there. The memory grows
 * without touching its pages, so this costs little. Past what either path can have, a request is
 * one ShapeError in one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelMemory } from '../src/engine/wasm/kernel-memory.js';
import { SimdKernels } from '../src/engine/kernels/simd-kernels.js';
import { matmulNaive } from '../src/engine/kernels/matmul-naive.js';
import { sharedAllocator } from '../src/engine/shared-memory.js';
import { ShapeError } from '../src/engine/errors.js';

const GiB = 2 ** 30;

test('past 2 GiB: views at the right offsets, the bytes used counted, and another thread\'s instance agrees', () => {
  const memory = new KernelMemory();
  memory.f32((2.1 * GiB) / 4);
  const a = memory.f32(1000);
  assert.ok(a.byteOffset > 2 * GiB, `the view starts at byte ${a.byteOffset}`);
  assert.is(memory.used, a.byteOffset + 4000);
  a.set(Float32Array.from({ length: 1000 }, (_, i) => i));
  const seen = new KernelMemory(memory.memory).at(Float32Array, a.byteOffset, 1000);
  assert.is(seen[999], 999, 'the same floats through another instance of the memory');
  const next = new KernelMemory(memory.memory).f32(4);
  assert.is(next.byteOffset, a.byteOffset + 4000, 'the other instance hands out what comes next');
});

test('past 2 GiB: the SIMD matmul over operands there gives the naive product', () => {
  const memory = new KernelMemory();
  memory.f32((2.2 * GiB) / 4);
  const [m, n, k] = [7, 13, 33];
  const a = memory.f32(m * k).map((_, i) => Math.sin(i));
  const b = memory.f32(k * n).map((_, i) => Math.cos(i));
  const c = memory.f32(m * n);
  new SimdKernels(memory, { fused: false }).matmul(a, b, c, m, n, k);
  const want = new Float32Array(m * n);
  matmulNaive(a, b, want, m, n, k);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(c[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `c[${i}]: ${c[i]} vs ${want[i]}`);
  assert.ok(c.byteOffset > 2 * GiB);
});

test('a request past 4 GiB is refused before the arena moves, and smaller ones go on', () => {
  const memory = new KernelMemory();
  const before = memory.used;
  assert.throws(() => memory.f32(2 ** 40), /^kernel memory: \d+ MiB needed, more than the 4096 MiB/);
  assert.is(memory.used, before);
  assert.is(memory.f32(4).byteOffset, before);
});

test('the JS kernels\' memory: an array no machine can give is one ShapeError naming its size, not a RangeError', () => {
  for (const alloc of [() => sharedAllocator.f32(2 ** 45), () => sharedAllocator.u8(2 ** 50)]) {
    try {
      alloc();
      assert.unreachable('allocated');
    } catch (e) {
      assert.instance(e, ShapeError);
      assert.match((e as Error).message, /^memory: cannot allocate [\d,]+ MiB at once \(.+\); a smaller model or batch needs less$/);
    }
  }
  assert.is(sharedAllocator.f32(4).length, 4, 'smaller ones go on');
});

test.run();
