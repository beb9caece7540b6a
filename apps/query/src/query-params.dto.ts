import { plainToInstance } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';
import { InvalidInputError } from '@ztsdb/errors';
import { checkParamTypes, QUERY_PARAM_KINDS } from './param-types';
import { AGG_FUNCTIONS } from './step-aggregate';

/**
 * Parameters of `GET /query` and of `ztsdb.query` requests:
 * `series` (one exact name) or `match` / `match[]` (selectors or globs, repeatable),
 * `start`, `end`, and optionally `step`, `agg`, `by`, `lookback`.
 */
export class QueryParamsDto {
  @IsOptional()
  @IsString({ message: 'parameter "series" must be a series name' })
  @IsNotEmpty({
    message: 'parameter "series" is required, e.g. series=container.cpu.usage.abc123def456',
  })
  @MaxLength(512, { message: 'parameter "series" is longer than 512 characters' })
  series?: string;

  @IsOptional()
  @IsString({
    each: true,
    message:
      'parameter "match" must be a selector like container_cpu_usage{container_name="web-1"} or a glob',
  })
  @MaxLength(1024, { each: true, message: 'parameter "match" is longer than 1024 characters' })
  match?: string | string[];

  @IsOptional()
  @IsString({ message: 'parameter "start" must be a string' })
  @MaxLength(64, { message: 'parameter "start" is too long' })
  start?: string;

  @IsOptional()
  @IsString({ message: 'parameter "end" must be a string' })
  @MaxLength(64, { message: 'parameter "end" is too long' })
  end?: string;

  @IsOptional()
  @IsString({ message: 'parameter "step" must be a duration like 60s' })
  @MaxLength(32, { message: 'parameter "step" is too long' })
  step?: string;

  @IsOptional()
  @IsIn(AGG_FUNCTIONS, { message: `parameter "agg" must be one of ${AGG_FUNCTIONS.join(', ')}` })
  agg?: string;

  @IsOptional()
  @IsString({ message: 'parameter "by" must be label names separated by commas' })
  @MaxLength(512, { message: 'parameter "by" is too long' })
  by?: string;

  @IsOptional()
  @IsString({ message: 'parameter "lookback" must be a duration like 5m' })
  @MaxLength(32, { message: 'parameter "lookback" is too long' })
  lookback?: string;
}

/** Parameters of `GET /series` and of `ztsdb.query` requests with `match` and no range. */
export class SeriesParamsDto {
  @IsOptional()
  @IsString({ message: 'parameter "match" must be a glob like container.cpu.* or a selector' })
  @MaxLength(512, { message: 'parameter "match" is longer than 512 characters' })
  match?: string;
}

/**
 * Checks each parameter's type (param-types.ts), then accepts `match[]` (as
 * Prometheus clients send it) as `match` and numbers as strings (NATS JSON).
 */
export function normalizeParams(input: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = { ...checkParamTypes(input, QUERY_PARAM_KINDS) };
  if (o['match[]'] !== undefined) {
    const extra = o['match[]'];
    const prev = o.match === undefined ? [] : Array.isArray(o.match) ? o.match : [o.match];
    o.match = [...prev, ...(Array.isArray(extra) ? extra : [extra])];
    delete o['match[]'];
  }
  for (const k of ['start', 'end', 'step', 'lookback'])
    if (typeof o[k] === 'number') o[k] = String(o[k]);
  return o;
}

/** Validates untrusted input into a DTO, or throws InvalidInputError naming the parameter. */
export function validateParams<T extends object>(cls: new () => T, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('ZTSDB_BAD_PARAM', 'parameters must be an object');
  }
  const dto = plainToInstance(cls, input);
  const errors = validateSync(dto, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    const msg = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
    throw new InvalidInputError('ZTSDB_BAD_PARAM', msg, { params: errors.map((e) => e.property) });
  }
  return dto;
}
