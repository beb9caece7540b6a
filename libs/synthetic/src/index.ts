export { SyntheticSource } from './synthetic-source';
export { generateDataset } from './dataset';
export type { Dataset } from './dataset';
export { mulberry32 } from './random';
