/**
 * What the platform's WebAssembly can do, asked of WebAssembly.validate with the smallest module
 * that uses each feature: 128-bit SIMD (Node 16.4+, every current browser) and relaxed SIMD's
 * fused multiply-add (Node 22+, Chrome 114+). Decided once per process.
 */
import { ModuleBuilder, v128 } from './assembler.js';
import { wasmApi } from './runtime.js';

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return wasmApi()?.validate(bytes) === true;
  } catch {
    return false;
  }
}

let simd: boolean | undefined;
let relaxed: boolean | undefined;

/** f32x4.add of two v128 parameters validates. */
export function simdSupported(): boolean {
  simd ??= validates(new ModuleBuilder().function('f', [v128, v128], [v128], (f) => f.get(0).get(1).f32x4Add()).build());
  return simd;
}

/** f32x4.relaxed_madd validates. */
export function relaxedSimdSupported(): boolean {
  relaxed ??= simdSupported() && validates(new ModuleBuilder().function('f', [v128, v128, v128], [v128], (f) => f.get(0).get(1).get(2).f32x4RelaxedMadd()).build());
  return relaxed;
}
