import 'reflect-metadata';
import { runService } from '@ztsdb/platform';
import { bootstrapIngestor } from './bootstrap';

runService('ingestor', bootstrapIngestor);
