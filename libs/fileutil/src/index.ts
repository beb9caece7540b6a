export {
  AtomicFileWriter,
  writeFileAtomic,
  fsyncDir,
  fsyncDirSync,
  isAtomicTempName,
} from './write-file-atomic';
export { MappedFile } from './mapped-file';
export { releaseReservedSpace, reserveFileSpace } from './reserve-space';
export { FILEUTIL_ERROR_CODES } from './errors';
export { dropMappedFilePages, mallocTrim, setMmapThreshold } from './malloc-tuning';
export {
  duringStartup,
  holdNewSpace,
  newSpacePlan,
  releaseNewSpace,
  releaseNewSpaceAfterStartup,
} from './v8-new-space';
