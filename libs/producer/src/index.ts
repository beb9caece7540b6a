export { BatchPublisher, BatchDroppedError } from './batch-publisher';
export type {
  JetStreamPublish,
  OutgoingBatch,
  PublisherLog,
  PublisherMetrics,
  PublisherOptions,
} from './batch-publisher';
export { JetStreamAcks, JetStreamPublishError, kvCreate } from './jetstream-acks';
export type { AckedPublishOptions } from './jetstream-acks';
export { BatchBuilder } from './batch-builder';
export { PartitionGroups } from './partition-groups';
export type { PartitionColumns } from './partition-groups';
export { PartitionColumnsBuilder } from './container-columns';
export type { SeriesRef } from './container-columns';
export { SeriesRegistrar } from './series-registrar';
export type { LabelsOf, RegistrarOptions } from './series-registrar';
export { canonicalSeriesName, withoutEmptyLabels } from './canonical-name';
export { SampleWriter, BackpressureError, Write } from './sample-writer';
export type { SampleWriterOptions, WriteResult } from './sample-writer';
export { CadvisorSeries, CADVISOR_METRICS, cadvisorLabels } from './cadvisor-series';
export type { CadvisorMetric, CadvisorRef } from './cadvisor-series';
