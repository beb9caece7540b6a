import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, validateSync } from 'class-validator';
import { InvalidInputError } from '@ztsdb/errors';

/** Parameters of `GET /query` and of `ztsdb.query` requests that name a series. */
export class QueryParamsDto {
  @IsString({ message: 'parameter "series" must be a series name' })
  @IsNotEmpty({ message: 'parameter "series" is required, e.g. series=container.cpu.usage.abc123def456' })
  @MaxLength(512, { message: 'parameter "series" is longer than 512 characters' })
  series!: string;

  @IsOptional()
  @IsString({ message: 'parameter "start" must be a string' })
  @MaxLength(64, { message: 'parameter "start" is too long' })
  start?: string;

  @IsOptional()
  @IsString({ message: 'parameter "end" must be a string' })
  @MaxLength(64, { message: 'parameter "end" is too long' })
  end?: string;
}

/** Parameters of `GET /series` and of `ztsdb.query` requests with `match`. */
export class SeriesParamsDto {
  @IsOptional()
  @IsString({ message: 'parameter "match" must be a glob like container.cpu.*' })
  @MaxLength(512, { message: 'parameter "match" is longer than 512 characters' })
  match?: string;
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
