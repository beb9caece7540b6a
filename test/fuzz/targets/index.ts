import type { FuzzTarget } from '../fuzz-target';
import { blockTarget } from './block.target';
import { chunkMessageTarget } from './chunk-message.target';
import { coldFileTarget } from './cold-file.target';
import { gorillaChunkTarget } from './gorilla-chunk.target';
import { headSnapshotTarget } from './head-snapshot.target';
import { hotReplyTarget } from './hot-reply.target';
import { importParsersTarget } from './import-parsers.target';
import { ingestPipelineTarget } from './ingest-pipeline.target';
import { localLogTarget } from './local-log.target';
import { manifestEventTarget } from './manifest-event.target';
import { promqlTarget } from './promql.target';
import { sampleBatchTarget } from './sample-batch.target';
import { selectorTarget } from './selector.target';
import { textParsersTarget } from './text-parsers.target';
import { warmFileTarget } from './warm-file.target';

/** Every decoder under fuzzing; one seed corpus each in test/fuzz/corpus/<name>/. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  sampleBatchTarget,
  ingestPipelineTarget,
  hotReplyTarget,
  chunkMessageTarget,
  manifestEventTarget,
  gorillaChunkTarget,
  blockTarget,
  warmFileTarget,
  coldFileTarget,
  headSnapshotTarget,
  localLogTarget,
  selectorTarget,
  promqlTarget,
  importParsersTarget,
  textParsersTarget,
];

export function findTarget(name: string): FuzzTarget {
  const t = FUZZ_TARGETS.find((x) => x.name === name);
  if (!t)
    throw new Error(`no fuzz target ${name}; known: ${FUZZ_TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}
