// The spec of the settings table reads @Transform metadata from class-transformer's storage,
// which the package ships without a declaration at its CommonJS path.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
