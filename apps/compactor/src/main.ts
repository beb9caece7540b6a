import 'reflect-metadata';
import { runService } from '@ztsdb/platform';
import { bootstrapCompactor } from './bootstrap';

runService('compactor', bootstrapCompactor);
