/**
 * The model picker, kept true: the model that reads is the one it shows. A checkpoint is fetched
 * and decoded once, then kept (a pick while it loads waits for the same load); while one loads
 * nothing reads, and a later pick wins over an earlier one still loading. A load that fails puts
 * the picker back on the model that reads and says why.
 */
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import type { Sequential } from '../engine/model/sequential.js';
import { initialParameters, weightMaps, type WeightPicture } from '../report/weights.js';
import { decodeCheckpoint, type CheckpointMeta } from '../train/checkpoint.js';
import { kernelsLabel } from './kernels-label.js';
import { fetchFailure } from './server-gone.js';

export interface ModelEntry {
  name: string;
  description: string;
  bytes: () => Promise<Uint8Array>;
}

export interface LoadedModel {
  entry: ModelEntry;
  model: Sequential;
  meta: CheckpointMeta;
  /** A softmax model's ten digit templates (the report's picture), else null. */
  templates: WeightPicture | null;
}

export class ModelPicker {
  private readonly entries: ModelEntry[] = [];
  private readonly loaded = new Map<ModelEntry, LoadedModel>();
  private readonly pending = new Map<ModelEntry, Promise<LoadedModel>>();
  /** The model that reads. */
  current: LoadedModel | null = null;
  /** The entry being loaded, if any: the picker shows it, and nothing reads until it is in. */
  loading: ModelEntry | null = null;

  /** `changed` hears every change of what reads (or that nothing does while loading); `failed` a one-line reason. */
  constructor(
    private readonly select: HTMLSelectElement,
    private readonly info: HTMLElement,
    private readonly kernels: () => KernelSet,
    private readonly changed: () => void,
    private readonly failed: (message: string) => void,
  ) {
    select.addEventListener('change', () => void this.choose(Number(select.value)));
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds an entry to the list (a model trained in the page, say); returns its index. */
  add(entry: ModelEntry): number {
    if (this.entries.length === 0) this.select.replaceChildren();
    this.entries.push(entry);
    this.select.append(new Option(entry.name, String(this.entries.length - 1)));
    this.select.disabled = false;
    return this.entries.length - 1;
  }

  /** Makes entry `index` the model that reads: at once if it was loaded before. */
  async choose(index: number): Promise<void> {
    const entry = this.entries[index];
    this.select.value = String(index);
    const cached = this.loaded.get(entry);
    if (cached) return this.settle(cached);
    this.loading = entry;
    this.info.textContent = `loading ${entry.name}…`;
    this.changed();
    let model: LoadedModel;
    try {
      model = await this.load(entry);
    } catch (e) {
      if (this.loading !== entry) return;
      this.loading = null;
      this.select.value = this.current ? String(this.entries.indexOf(this.current.entry)) : '';
      this.info.textContent = this.current ? this.describe(this.current) : '';
      this.changed();
      this.failed(`${entry.name} could not be loaded: ${fetchFailure(e)}${this.current ? `; ${this.current.entry.name} reads on` : ''}`);
      return;
    }
    // A later pick has taken over (or an earlier pick of the same entry settled it): nothing to do.
    if (this.loading === entry) this.settle(model);
  }

  /** The entry's model, fetched and decoded once: a pick while it loads waits for the same load. */
  private load(entry: ModelEntry): Promise<LoadedModel> {
    let load = this.pending.get(entry);
    if (!load) {
      load = entry.bytes().then((bytes) => {
        const model = this.decode(entry, bytes);
        this.loaded.set(entry, model);
        return model;
      });
      this.pending.set(entry, load);
      // A failed load is forgotten, so that the next pick tries again.
      void load.catch(() => {}).finally(() => this.pending.delete(entry));
    }
    return load;
  }

  private settle(model: LoadedModel): void {
    this.loading = null;
    this.current = model;
    this.info.textContent = this.describe(model);
    this.changed();
  }

  private describe(m: LoadedModel): string {
    return `${m.entry.description} · ${kernelsLabel(this.kernels())}`;
  }

  private decode(entry: ModelEntry, bytes: Uint8Array): LoadedModel {
    const { model, meta } = decodeCheckpoint(bytes, entry.name);
    const picture = model.entries[0].shape.length === 2 ? weightMaps(model, 28, 28, { initial: initialParameters(meta.architecture, meta.seed, meta.training.init) }) : null;
    return { entry, model: model.withKernels(this.kernels()), meta, templates: picture?.kind === 'digit templates' ? picture : null };
  }
}
