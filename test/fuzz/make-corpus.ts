import { addToCorpus, corpusDir } from './corpus';
import { FUZZ_TARGETS } from './targets';
import * as fs from 'node:fs';

/**
 * Writes every target's seeds (valid encodings from the encoders plus edge
 * cases) into test/fuzz/corpus/<target>/. Existing entries (regression
 * inputs among them) are kept. Run: npm run fuzz:corpus
 */
function main(): void {
  for (const t of FUZZ_TARGETS) {
    fs.mkdirSync(corpusDir(t.name), { recursive: true });
    const seeds = t.seeds();
    for (const s of seeds) addToCorpus(t.name, s);
    console.log(`${t.name}: ${seeds.length} seeds in ${corpusDir(t.name)}`);
  }
}

main();
