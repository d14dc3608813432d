// A module-resolution hook: `import 'uvu'` anywhere but in the wrapper itself gets the wrapper.
const WRAPPER = new URL('./counted-uvu.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  return specifier === 'uvu' && context.parentURL !== WRAPPER ? { url: WRAPPER, shortCircuit: true } : next(specifier, context);
}
