export { snappyDecode, snappyDecodedLength, snappyEncode, SnappyError } from './snappy';
export { ProtoReader, ProtobufError } from './protobuf-reader';
export { ProtoWriter } from './protobuf-writer';
export { decodeWriteRequestV1, decodeWriteRequestV2, RemoteWriteError } from './remote-write';
export type { DecodeCounts, LabelBytes, WriteVisitor } from './remote-write';
export { encodeWriteRequestV1, encodeWriteRequestV2 } from './remote-write-encode';
export type { WriteSeries } from './remote-write-encode';
export {
  CSV_HEADER,
  csvField,
  EXPORT_FORMATS,
  exportLines,
  formatValue,
  promSeriesText,
} from './export-lines';
export type { ExportFormat } from './export-lines';
export { decodeOtlpJson, decodeOtlpProtobuf, OtlpError } from './otlp-metrics';
export type { OtlpKind, OtlpMetric, OtlpPoint, OtlpResourceMetrics } from './otlp-metrics';
export { labelName, promMetricName, translateOtlp } from './otlp-translate';
export type { SeriesSink } from './otlp-translate';
