export { crc32, CRC32_NATIVE } from './crc32';
export { crc32c } from './crc32c';
