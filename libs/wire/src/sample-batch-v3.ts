// Sample batch version 3 (docs/format/sample-batch.md): its layout, encoder and decoder.
export * from './sample-batch-v3-layout';
export { encodeSampleBatchV3 } from './sample-batch-v3-encode';
export { decodeSampleBatchV3 } from './sample-batch-v3-decode';
