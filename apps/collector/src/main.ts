import 'reflect-metadata';
import { runService } from '@ztsdb/platform';
import { bootstrapCollector } from './bootstrap';

runService('collector', bootstrapCollector);
