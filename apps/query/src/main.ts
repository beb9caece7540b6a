import 'reflect-metadata';
import { runService } from '@ztsdb/platform';
import { bootstrapQuery } from './bootstrap';

runService('query', bootstrapQuery);
