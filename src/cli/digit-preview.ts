/** A digit drawn with Unicode shading, for terminals without an image viewer. */

const SHADES = [' ', '░', '▒', '▓', '█'];

/** Two characters per pixel, since terminal cells are about twice as tall as wide. */
export function digitToText(pixels: Uint8Array, rows: number, cols: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const shade = SHADES[Math.min(SHADES.length - 1, Math.round((pixels[r * cols + c] / 255) * (SHADES.length - 1)))];
      line += shade + shade;
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}
