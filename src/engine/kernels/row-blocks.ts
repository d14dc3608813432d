/**
 * What the row-at-a-time SIMD kernels share: a row of n floats cut into blocks of f32x4
 * accumulators (the last block also holds the 0..3 columns past the last whole vector), and the
 * loops and multiply-adds they are emitted with. A tail of 2 or 3 columns keeps its first two
 * as half of one more vector.
 */
import { f32, ModuleBuilder, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { MAX_PAGES } from '../wasm/kernel-memory.js';

/**
 * f32x4 accumulators per pass over a row's nonzeros. x86-64 has 16 xmm registers, but with 8
 * accumulators V8 loads all 8 vectors of B's row first and runs out: it spills one accumulator
 * to the stack (--print-wasm-code of csr_matmul shows it), a store and a load every iteration on
 * that accumulator's chain. 6 avoids the spill, and an MLP step is faster for it.
 */
export const VECTORS_PER_PASS = 6;

export interface Block {
  /** Byte offset of the block's first column within a row. */
  offset: number;
  vectors: number;
  /**
   * Two columns after the vectors held as the low half of one more f32x4 (only in the last
   * block), loaded and stored 64 bits at a time: the same arithmetic lane by lane as two f32
   * locals, so the same bits (unfused), and faster for softmax regression's 10 columns.
   */
  half: boolean;
  /** Single columns after those (only in the last block). */
  scalars: number;
}

/** A row of n floats as passes over the nonzeros: blocks of whole vectors, the scalar tail in the last. */
export function blocksFor(n: number): Block[] {
  const vectors = Math.floor(n / 4);
  const blocks: Block[] = [];
  for (let v = 0; v < vectors; v += VECTORS_PER_PASS) blocks.push({ offset: v * 16, vectors: Math.min(VECTORS_PER_PASS, vectors - v), half: false, scalars: 0 });
  const tail = n % 4;
  if (tail > 0) {
    const half = tail >= 2;
    const scalars = tail - (half ? 2 : 0);
    if (blocks.length > 0 && blocks[blocks.length - 1].vectors < VECTORS_PER_PASS) Object.assign(blocks[blocks.length - 1], { half, scalars });
    else blocks.push({ offset: vectors * 16, vectors: 0, half, scalars });
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

/**
 * Emits `for (counter = 0; counter < limit; counter++) body()`: `limit` a constant, or a function
 * that pushes it (the value of a local, say). Counter and limit compare unsigned.
 */
export function forCount(f: FunctionBuilder, counter: number, limit: number | (() => void), body: () => void): void {
  f.i32Const(0).set(counter);
  f.block().loop();
  f.get(counter);
  if (typeof limit === 'number') f.i32Const(limit);
  else limit();
  f.i32GeU().brIf(1);
  body();
  f.get(counter).i32Const(1).i32Add().set(counter).br(0);
  f.end().end();
}

/** Emits `for (r = 0; r < rows; r++) body()`, rows a local. */
export function forRows(f: FunctionBuilder, rows: number, r: number, body: () => void): void {
  forCount(f, r, () => f.get(rows), body);
}


/** A module of kernels over the shared kernel memory, imported as `env.memory`. */
export function kernelModule(): ModuleBuilder {
  return new ModuleBuilder().importMemory({ module: 'env', field: 'memory', initial: 1, maximum: MAX_PAGES, shared: true });
}

/** The registers a block lives in: up to VECTORS_PER_PASS f32x4, the half-vector tail and 3 f32 locals. */
export interface BlockRegisters {
  vectors: number[];
  half: number;
  scalars: number[];
}

export function blockRegisters(f: FunctionBuilder): BlockRegisters {
  return { vectors: Array.from({ length: VECTORS_PER_PASS }, () => f.local(v128)), half: f.local(v128), scalars: Array.from({ length: 3 }, () => f.local(f32)) };
}

/** Byte offset of a block's half-vector tail within a row. */
const halfAt = (blk: Block) => blk.offset + 16 * blk.vectors;
/** Byte offset of a block's scalar column q within a row. */
const scalarAt = (blk: Block, q: number) => halfAt(blk) + (blk.half ? 8 : 0) + 4 * q;

/** regs = 0 */
export function zeroBlock(f: FunctionBuilder, blk: Block, regs: BlockRegisters): void {
  for (let i = 0; i < blk.vectors; i++) f.f32Const(0).f32x4Splat().set(regs.vectors[i]);
  if (blk.half) f.f32Const(0).f32x4Splat().set(regs.half);
  for (let q = 0; q < blk.scalars; q++) f.f32Const(0).set(regs.scalars[q]);
}

/** regs = the block of the row at address `row` */
export function loadBlock(f: FunctionBuilder, row: number, blk: Block, regs: BlockRegisters): void {
  for (let i = 0; i < blk.vectors; i++) f.get(row).v128Load(blk.offset + 16 * i).set(regs.vectors[i]);
  if (blk.half) f.get(row).v128Load64Zero(halfAt(blk)).set(regs.half);
  for (let q = 0; q < blk.scalars; q++) f.get(row).f32Load(scalarAt(blk, q)).set(regs.scalars[q]);
}

/** The block of the row at `row` = regs */
export function storeBlock(f: FunctionBuilder, row: number, blk: Block, regs: BlockRegisters): void {
  for (let i = 0; i < blk.vectors; i++) f.get(row).get(regs.vectors[i]).v128Store(blk.offset + 16 * i);
  if (blk.half) f.get(row).get(regs.half).v128Store64Lane0(halfAt(blk));
  for (let q = 0; q < blk.scalars; q++) f.get(row).get(regs.scalars[q]).f32Store(scalarAt(blk, q));
}

/** The block of the row at `row` += regs */
export function addBlockInto(f: FunctionBuilder, row: number, blk: Block, regs: BlockRegisters): void {
  for (let i = 0; i < blk.vectors; i++) {
    const at = blk.offset + 16 * i;
    f.get(row).get(row).v128Load(at).get(regs.vectors[i]).f32x4Add().v128Store(at);
  }
  if (blk.half) f.get(row).get(row).v128Load64Zero(halfAt(blk)).get(regs.half).f32x4Add().v128Store64Lane0(halfAt(blk));
  for (let q = 0; q < blk.scalars; q++) {
    const at = scalarAt(blk, q);
    f.get(row).get(row).f32Load(at).get(regs.scalars[q]).f32Add().f32Store(at);
  }
}

/** regs += s × (the block of the row at `row`); `scale` holds s splatted, `scalar` s itself. */
export function accumulateBlock(f: FunctionBuilder, fused: boolean, row: number, blk: Block, regs: BlockRegisters, scale: number, scalar: number): void {
  for (let i = 0; i < blk.vectors; i++) multiplyAdd(f, fused, () => f.get(row).v128Load(blk.offset + 16 * i), scale, regs.vectors[i]);
  if (blk.half) multiplyAdd(f, fused, () => f.get(row).v128Load64Zero(halfAt(blk)), scale, regs.half);
  for (let q = 0; q < blk.scalars; q++) f.get(scalar).get(row).f32Load(scalarAt(blk, q)).f32Mul().get(regs.scalars[q]).f32Add().set(regs.scalars[q]);
}

/** The block of the row at `row` += s × regs; `scale` holds s splatted, `scalar` s itself. */
export function scatterBlock(f: FunctionBuilder, fused: boolean, row: number, blk: Block, regs: BlockRegisters, scale: number, scalar: number): void {
  for (let i = 0; i < blk.vectors; i++) {
    const at = blk.offset + 16 * i;
    f.get(row);
    if (fused) f.get(scale).get(regs.vectors[i]).get(row).v128Load(at).f32x4RelaxedMadd();
    else f.get(scale).get(regs.vectors[i]).f32x4Mul().get(row).v128Load(at).f32x4Add();
    f.v128Store(at);
  }
  if (blk.half) {
    const at = halfAt(blk);
    f.get(row);
    if (fused) f.get(scale).get(regs.half).get(row).v128Load64Zero(at).f32x4RelaxedMadd();
    else f.get(scale).get(regs.half).f32x4Mul().get(row).v128Load64Zero(at).f32x4Add();
    f.v128Store64Lane0(at);
  }
  for (let q = 0; q < blk.scalars; q++) {
    const at = scalarAt(blk, q);
    f.get(row).get(scalar).get(regs.scalars[q]).f32Mul().get(row).f32Load(at).f32Add().f32Store(at);
  }
}
