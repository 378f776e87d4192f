/**
 * What our native kernels (batch-matmul.ts, layer-norm.ts, attention-kernel.ts) share: the parts of
 * the wasm backend they use, their module instantiated on the backend's own `WebAssembly.Memory`
 * (compiled once, one instance per memory; the module imports only that memory), and a tensor's
 * heap address, by which the kernels read their operands and write their outputs in place.
 */
import type * as tfjs from '@tensorflow/tfjs';

type TensorInfo = tfjs.TensorInfo;

/** The parts of tfjs-backend-wasm's backend (4.x) the native kernels use. */
export interface WasmBackend {
  wasm: { asm?: { memory?: unknown } };
  makeOutput(shape: number[], dtype: tfjs.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tfjs.TypedArray;
}

/**
 * The kernels of a native module (`base64`, from native/<name>-wasm.ts) on a backend's memory:
 * `bind` picks them out of the instance's exports. `what` names the kernel in errors.
 */
export function nativeKernels<K>(what: string, module: { base64: string }, bind: (exports: WebAssembly.Exports) => K): (backend: WasmBackend) => K {
  let compiled: WebAssembly.Module | undefined;
  const instances = new WeakMap<WebAssembly.Memory, K>();
  return (backend) => {
    const memory = backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${what}: the wasm backend exposes no WebAssembly.Memory (wasm.asm.memory); is this @tensorflow/tfjs-backend-wasm 4.x?`);
    let kernels = instances.get(memory);
    if (!kernels) {
      compiled ??= new WebAssembly.Module(Buffer.from(module.base64, 'base64'));
      kernels = bind(new WebAssembly.Instance(compiled, { env: { memory } }).exports);
      instances.set(memory, kernels);
    }
    return kernels;
  };
}

/** A tensor's address on the backend's heap (growing the heap moves no tensor, so it stays valid). */
export function heapAddress(backend: WasmBackend, t: TensorInfo): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}
