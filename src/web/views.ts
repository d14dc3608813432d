/** The page's pictures: the probability bars, the 28×28 input and a weight template. */
import type { Gray } from '../data/preprocess.js';
import type { WeightMap } from '../report/weights.js';

/** Ten rows of digit, bar and percentage, made once and updated in place. */
export class ProbabilityBars {
  private readonly bars: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];
  private readonly rows: HTMLElement[] = [];

  constructor(container: HTMLElement, classes = 10) {
    container.replaceChildren();
    for (let d = 0; d < classes; d++) {
      const row = document.createElement('div');
      row.className = 'bar-row';
      row.innerHTML = `<span class="bar-digit">${d}</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value">–</span>`;
      container.append(row);
      this.rows.push(row);
      this.bars.push(row.querySelector('.bar-fill')!);
      this.values.push(row.querySelector('.bar-value')!);
    }
  }

  show(probabilities: ArrayLike<number> | null, predicted = -1): void {
    this.rows.forEach((row, d) => {
      const p = probabilities ? probabilities[d] : 0;
      // A share, not a width: the bars lie down on a wide screen and stand up on a phone (style.css).
      this.bars[d].style.setProperty('--p', p.toFixed(4));
      this.values[d].textContent = probabilities ? `${(p * 100).toFixed(p >= 0.995 || p < 0.0005 ? 0 : 1)}%` : '–';
      row.classList.toggle('best', d === predicted);
      row.setAttribute('aria-label', `digit ${d}: ${probabilities ? (p * 100).toFixed(1) : 0} percent`);
    });
  }
}

/** Grayscale bytes onto a canvas of the image's size (CSS enlarges it, pixelated); null paints it black. */
export function drawGray(canvas: HTMLCanvasElement, img: Gray | null): void {
  if (img) {
    canvas.width = img.width;
    canvas.height = img.height;
  }
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < canvas.width * canvas.height; i++) {
    const v = img ? img.pixels[i] : 0;
    data.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(data, 0, 0);
}

/** A report weight map (RGB bytes) onto a canvas. */
export function drawMap(canvas: HTMLCanvasElement, map: WeightMap): void {
  canvas.width = map.width;
  canvas.height = map.height;
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(map.width, map.height);
  for (let i = 0; i < map.width * map.height; i++) data.data.set([map.rgb[i * 3], map.rgb[i * 3 + 1], map.rgb[i * 3 + 2], 255], i * 4);
  ctx.putImageData(data, 0, 0);
}
