/** Report pieces that need no Node: colour maps, unit ranking, mistakes ranking, SVG charts. */
export * from './weights.js';
export * from './mistakes.js';
export * from './charts.js';
