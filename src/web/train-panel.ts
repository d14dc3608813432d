/**
 * "Train in the page": starts the training worker, shows its progress (a bar, the cost and the
 * validation accuracy per epoch, drawn as the report's curves are), and hands the trained model
 * to the page and to the download button.
 */
import { curveSvg } from '../report/charts.js';
import type { FromWorker, ToWorker, TrainableModel } from './train-protocol.js';
import { modelTitle, recipeFor } from '../train/recipes.js';
import { defaultThreads, MOST_THREADS } from './web-pool-host.js';
import { SCRIPT_MISSING } from './server-gone.js';

export interface TrainedModel {
  name: string;
  checkpoint: Uint8Array;
  validationAccuracy: number | null;
  testAccuracy: number;
}

/** The epochs a model's field starts at: its recipe's, but for the MLP, whose recipe (the tutorial's 25) is long to wait for in a page. */
const defaultEpochs = (model: TrainableModel) => (model === 'mlp' ? 5 : recipeFor(model).epochs);

function $<T extends HTMLElement>(root: ParentNode, selector: string): T {
  return root.querySelector<T>(selector)!;
}

export class TrainPanel {
  private worker: Worker | null = null;
  private readonly costs: number[] = [];
  private readonly accuracies: (number | null)[] = [];
  private epochs = 0;
  private trained: TrainedModel | null = null;
  private readonly modelSelect: HTMLSelectElement;
  private readonly epochsInput: HTMLInputElement;
  private readonly threadsSelect: HTMLSelectElement;
  private readonly button: HTMLButtonElement;
  private readonly download: HTMLButtonElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly accuracy: HTMLElement;

  /** `onTrained` takes a finished model and says, in a few words, what the page did with it. */
  constructor(root: HTMLElement, private readonly kernels: () => { path: string; fused: boolean }, private readonly onTrained: (model: TrainedModel) => string) {
    this.modelSelect = $(root, '#train-model');
    this.epochsInput = $(root, '#train-epochs');
    this.threadsSelect = $(root, '#train-threads');
    for (let t = 1; t <= MOST_THREADS; t++) this.threadsSelect.append(new Option(String(t), String(t)));
    this.threadsSelect.value = String(defaultThreads());
    this.button = $(root, '#train-button');
    this.download = $(root, '#train-download');
    this.progress = $(root, '#train-progress');
    this.status = $(root, '#train-status');
    this.chart = $(root, '#train-chart');
    this.accuracy = $(root, '#train-accuracy');
    // A preset's own epochs fill the field until the person types a number of their own.
    let typed = false;
    this.epochsInput.addEventListener('input', () => (typed = true));
    this.modelSelect.addEventListener('change', () => {
      if (!typed) this.epochsInput.value = String(defaultEpochs(this.modelSelect.value as TrainableModel));
      this.describeRecipe();
    });
    this.describeRecipe();
    // The second click of a double click would stop the run the first started (or start one again).
    this.button.addEventListener('click', (e) => e.detail > 1 || (this.worker ? this.stop() : this.start()));
    this.download.addEventListener('click', () => this.save());
  }

  /** Before a run, the status says what the chosen model is trained with. */
  private describeRecipe(): void {
    const model = this.modelSelect.value as TrainableModel;
    const r = recipeFor(model);
    const optimizer = r.optimizer === 'sgd' ? 'SGD' : r.optimizer === 'adam' ? 'Adam' : r.optimizer;
    const shift = r.augmentShift ? `shifts of up to ${r.augmentShift} pixel${r.augmentShift === 1 ? '' : 's'}` : '';
    const extras = [r.schedule === 'constant' ? '' : `${r.schedule} schedule`, shift, r.labelSmoothing ? `label smoothing ${r.labelSmoothing}` : ''].filter(Boolean);
    const whose = model === 'softmax' ? "The tutorial's" : `The ${modelTitle(model)}'s`;
    const code = document.createElement('code');
    code.textContent = 'mnist-ts train --threads';
    this.status.replaceChildren(`${whose} recipe: ${optimizer} ${r.lr}, batch ${r.batchSize}, ${[...extras, 'seed 0'].join(', ')}, on the 55,000 training digits; validated on 5,000. Runs in Web Workers, one a thread, as `, code, '.');
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private start(): void {
    const epochs = Number(this.epochsInput.value);
    if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 200)) {
      this.status.textContent = `epochs: ${this.epochsInput.value || 'empty'}, expected a whole number from 1 to 200`;
      return;
    }
    const model = this.modelSelect.value as TrainableModel;
    this.costs.length = 0;
    this.accuracies.length = 0;
    this.epochs = epochs;
    this.progress.value = 0;
    this.accuracy.textContent = '';
    delete this.accuracy.dataset.epochSeconds;
    this.chart.replaceChildren();
    this.worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.hear(e.data, model);
    // A worker whose script cannot be fetched fails with an event that has no message.
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.finish(`training failed: ${e.message || `the training worker could not start: ${SCRIPT_MISSING}`}`);
    };
    this.button.textContent = 'Stop';
    // Until a model is kept, Download would save the last run's.
    this.download.disabled = true;
    this.modelSelect.disabled = this.epochsInput.disabled = this.threadsSelect.disabled = true;
    const { path, fused } = this.kernels();
    this.send({ type: 'train', model, epochs, seed: 0, kernels: path, fused, threads: Number(this.threadsSelect.value) });
  }

  private stop(): void {
    this.send({ type: 'stop' });
    this.status.textContent = 'stopping after this step…';
  }

  private finish(status: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.button.textContent = 'Train';
    this.download.disabled = !this.trained;
    this.modelSelect.disabled = this.epochsInput.disabled = this.threadsSelect.disabled = false;
    this.status.textContent = status;
  }

  private hear(m: FromWorker, model: TrainableModel): void {
    switch (m.type) {
      case 'status':
        this.status.textContent = m.text;
        if (m.text.startsWith('stopped')) this.finish(m.text);
        break;
      case 'started':
        this.status.textContent = `training the ${modelTitle(model)} on ${m.kernels}, ${m.threads} thread${m.threads === 1 ? '' : 's'}…`;
        break;
      case 'step':
        this.progress.value = (m.epoch - 1 + m.step / m.stepsPerEpoch) / this.epochs;
        break;
      case 'epoch':
        this.costs.push(m.cost);
        this.accuracies.push(m.validationAccuracy);
        this.chart.innerHTML = curveSvg('cost (mean cross-entropy)', this.costs, '#1f77b4').svg
          + (m.validationAccuracy === null ? '' : curveSvg('validation accuracy', this.accuracies.map(Number), '#2ca02c').svg);
        this.accuracy.textContent = `epoch ${m.epoch}: cost ${m.cost.toFixed(4)}, validation accuracy ${m.validationAccuracy?.toFixed(4) ?? '–'} (${m.seconds.toFixed(2)} s)`;
        this.accuracy.dataset.validationAccuracy = String(m.validationAccuracy);
        // Each epoch's seconds, for the benchmark that times the page (scripts/bench-page.ts).
        this.accuracy.dataset.epochSeconds = [this.accuracy.dataset.epochSeconds, m.seconds].filter((x) => x !== undefined && x !== '').join(',');
        break;
      case 'done': {
        const name = `${modelTitle(model)} trained here (${m.epochs} epoch${m.epochs === 1 ? '' : 's'})`;
        this.trained = { name, checkpoint: m.checkpoint, validationAccuracy: m.validationAccuracy, testAccuracy: m.testAccuracy };
        // Stopped, the bar stays where the run was; the model kept is its last whole epoch.
        if (!m.stopped) this.progress.value = 1;
        this.download.dataset.file = `mnist-ts-${model}.safetensors`;
        const what = `${m.stopped ? 'stopped; kept' : 'done:'} ${m.epochs} epoch${m.epochs === 1 ? '' : 's'}, test accuracy ${m.testAccuracy.toFixed(4)}`;
        this.finish(`${what}; ${this.onTrained(this.trained)}`);
        break;
      }
      case 'error':
        this.finish(`training failed: ${m.message}`);
        break;
    }
  }

  private save(): void {
    if (!this.trained) return;
    const url = URL.createObjectURL(new Blob([this.trained.checkpoint as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = this.download.dataset.file ?? 'model.safetensors';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
