import { COMPRESSION_NAMES, COMPRESSION_SHIFT, ENCODING_MASK, TAG_NAMES } from './block-format';
import { BlockCorruptError } from './errors';

/**
 * Name of a block's encoding, e.g. 'ts-const-step', 'val-decimal-delta+brotli'
 * (for stats and tests). Throws BlockCorruptError on an unknown tag.
 */
export function blockTag(block: Uint8Array): string {
  if (block.length === 0) throw new BlockCorruptError('empty block has no tag', { offset: 0 });
  const tag = block[0]!;
  const name = TAG_NAMES.get(tag & ENCODING_MASK);
  const compression = COMPRESSION_NAMES[(tag >>> COMPRESSION_SHIFT) as 0 | 1 | 2];
  if (name === undefined || compression === undefined || (name === 'empty' && tag !== 0)) {
    throw new BlockCorruptError(`unknown block tag 0x${tag.toString(16)}`, { offset: 0 });
  }
  return name + compression;
}

/** Whether a block's payload is compressed (decoding it inflates the whole payload first). */
export function blockInflates(block: Uint8Array): boolean {
  const tag = block[0];
  return tag !== undefined && tagInflates(tag);
}

/** blockInflates from the block's tag byte alone. */
export function tagInflates(tag: number): boolean {
  return tag >>> COMPRESSION_SHIFT !== 0;
}
