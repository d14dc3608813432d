/** Where the CLI's lines go: results to stdout, notes and warnings to stderr (so pipes get data only). */
export type Print = (line: string) => void;

export const printLine: Print = (line) => console.log(line);

/** A note the user should see but that is not the command's result: `mnist-ts: note: ...` on stderr. */
export const noteLine: Print = (line) => process.stderr.write(`mnist-ts: note: ${line}\n`);
