/**
 * The drawing canvas: dark ink on white paper, from mouse, touch or pen (pointer events, with the
 * coalesced points of fast strokes). A pen's pressure widens its line as on paper. The canvas keeps
 * a fixed size in pixels (CSS scales it). What is read is not these pixels but the strokes the pad
 * records, rendered again at a width that follows the drawing's size (src/data/strokes.ts).
 */
import type { Point, Stroke } from '../data/strokes.js';

export const PAD_SIZE = 336;
/** The ink the person sees: a pen's line on the pad, whatever size the digit is drawn. */
const LINE_WIDTH = 20;
const INK = '#141414';
const PAPER = '#ffffff';

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: Point | null = null;
  /** The strokes drawn since the pad was last cleared, in pad pixels. */
  private readonly drawn: Point[][] = [];
  private activePointer: number | null = null;
  /** A dropped image is on the pad: the next stroke starts on clean paper. */
  private showingImage = false;

  /** `onStroke(done)`: ink changed; `done` when a stroke ended. `onStart`: a stroke began. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly onStroke: (done: boolean) => void, private readonly onStart: () => void = () => {}) {
    canvas.width = PAD_SIZE;
    canvas.height = PAD_SIZE;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, (e) => this.up(e));
  }

  clear(): void {
    this.drawn.length = 0;
    this.ctx.fillStyle = PAPER;
    this.ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  }

  /** The strokes drawn on clean paper so far (none while an image is shown). */
  strokes(): readonly Stroke[] {
    return this.drawn;
  }

  /** Shows an image (a dropped file) fitted into the pad; drawing afterwards starts on clean paper. */
  show(image: CanvasImageSource & { width: number; height: number }): void {
    this.clear();
    const s = Math.min(PAD_SIZE / image.width, PAD_SIZE / image.height);
    const w = image.width * s, h = image.height * s;
    this.ctx.drawImage(image, (PAD_SIZE - w) / 2, (PAD_SIZE - h) / 2, w, h);
    this.showingImage = true;
  }

  /** Where the pointer is on the pad, kept on it: a captured stroke that slips off is read as the pad shows it, along the edge. */
  private point(e: PointerEvent): Point {
    const r = this.canvas.getBoundingClientRect();
    const on = (v: number) => Math.min(PAD_SIZE, Math.max(0, v));
    return { x: on(((e.clientX - r.left) * PAD_SIZE) / r.width), y: on(((e.clientY - r.top) * PAD_SIZE) / r.height) };
  }

  private width(e: PointerEvent): number {
    return e.pointerType === 'pen' && e.pressure > 0 ? LINE_WIDTH * (0.55 + 0.9 * e.pressure) : LINE_WIDTH;
  }

  private down(e: PointerEvent): void {
    if (this.activePointer !== null || e.button > 0) return;
    e.preventDefault();
    if (this.showingImage) {
      this.clear();
      this.showingImage = false;
    }
    this.activePointer = e.pointerId;
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // a synthetic event's pointer cannot be captured; its stroke still draws
    }
    this.onStart();
    this.last = this.point(e);
    this.drawn.push([this.last]);
    this.segment(this.last, this.last, this.width(e));
    this.onStroke(false);
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.activePointer || !this.last) return;
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length > 0 ? events : [e]) {
      const p = this.point(ev);
      this.segment(this.last, p, this.width(ev));
      this.drawn[this.drawn.length - 1].push(p);
      this.last = p;
    }
    this.onStroke(false);
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.activePointer) return;
    this.activePointer = null;
    this.last = null;
    this.onStroke(true);
  }

  private segment(a: Point, b: Point, width: number): void {
    const c = this.ctx;
    c.strokeStyle = INK;
    c.lineWidth = width;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a.x, a.y);
    c.lineTo(b.x, b.y);
    c.stroke();
  }
}
