/** The SVG text every picture shares: one font, and escaping for text placed in SVG or HTML. */
export const FONT = 'font-family="DejaVu Sans, sans-serif"';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
