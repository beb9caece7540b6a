export { SyntheticFleet } from './synthetic-fleet';
export { SyntheticSource } from './synthetic-source';
export { generateDataset } from './dataset';
export type { Dataset } from './dataset';
export { mulberry32, gaussian } from './random';
