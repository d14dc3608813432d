/** Why a file could not be read, in words, for the one-line errors that name it. */
export function whyUnreadable(e: unknown, expected: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? `a folder, expected ${expected}` : code ?? (e as Error).message;
}
