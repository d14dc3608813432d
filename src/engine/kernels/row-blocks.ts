/**
 * What the row-at-a-time SIMD kernels share: a row of n floats cut into blocks of f32x4
 * accumulators (the last block also holds the 0..3 columns past the last whole vector), and the
 * loops and multiply-adds they are emitted with.
 */
import type { FunctionBuilder } from '../wasm/assembler.js';

/** f32x4 accumulators per pass over a row's nonzeros: 8 keep in registers on x86-64 (16 xmm). */
export const VECTORS_PER_PASS = 8;

export interface Block {
  /** Byte offset of the block's first column within a row. */
  offset: number;
  vectors: number;
  /** Single columns after the vectors (only in the last block). */
  scalars: number;
}

/** A row of n floats as passes over the nonzeros: blocks of whole vectors, the scalar tail in the last. */
export function blocksFor(n: number): Block[] {
  const vectors = Math.floor(n / 4);
  const blocks: Block[] = [];
  for (let v = 0; v < vectors; v += VECTORS_PER_PASS) blocks.push({ offset: v * 16, vectors: Math.min(VECTORS_PER_PASS, vectors - v), scalars: 0 });
  const tail = n % 4;
  if (tail > 0) {
    if (blocks.length > 0 && blocks[blocks.length - 1].vectors < VECTORS_PER_PASS) blocks[blocks.length - 1].scalars = tail;
    else blocks.push({ offset: vectors * 16, vectors: 0, scalars: tail });
  }
  return blocks;
}

/** acc = scale·x + acc, where `load` pushes x (one rounding with `fused`, two without). */
export function multiplyAdd(f: FunctionBuilder, fused: boolean, load: () => void, scale: number, acc: number): void {
  if (fused) {
    f.get(scale);
    load();
    f.get(acc).f32x4RelaxedMadd().set(acc);
  } else {
    f.get(scale);
    load();
    f.f32x4Mul().get(acc).f32x4Add().set(acc);
  }
}

/** Emits `for (r = 0; r < rows; r++) body()`. */
export function forRows(f: FunctionBuilder, rows: number, r: number, body: () => void): void {
  f.i32Const(0).set(r);
  f.block().loop();
  f.get(r).get(rows).i32GeU().brIf(1);
  body();
  f.get(r).i32Const(1).i32Add().set(r).br(0);
  f.end().end();
}

