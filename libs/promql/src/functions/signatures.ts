/**
 * Argument and return types of every PromQL function, for the parser's type check.
 * `optional` counts trailing arguments that may be left out; `variadic` allows any number of
 * trailing arguments of the last type.
 */
import type { ValueType } from '../ast';

export interface FunctionSignature {
  readonly args: readonly ValueType[];
  readonly optional?: number;
  readonly variadic?: boolean;
  readonly returns: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const vectorMath = [
  'abs',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'ceil',
  'cos',
  'cosh',
  'deg',
  'exp',
  'floor',
  'ln',
  'log10',
  'log2',
  'rad',
  'sgn',
  'sin',
  'sinh',
  'sqrt',
  'tan',
  'tanh',
  'absent',
  'sort',
  'sort_desc',
  'timestamp',
  'histogram_count',
  'histogram_sum',
  'histogram_avg',
  'histogram_stddev',
  'histogram_stdvar',
];
const rangeFns = [
  'absent_over_time',
  'avg_over_time',
  'changes',
  'count_over_time',
  'delta',
  'deriv',
  'first_over_time',
  'idelta',
  'increase',
  'irate',
  'last_over_time',
  'mad_over_time',
  'max_over_time',
  'min_over_time',
  'present_over_time',
  'rate',
  'resets',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
];
const dateFns = [
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
];

const table = new Map<string, FunctionSignature>();
for (const f of vectorMath) table.set(f, { args: [V], returns: V });
for (const f of rangeFns) table.set(f, { args: [M], returns: V });
for (const f of dateFns) table.set(f, { args: [V], optional: 1, returns: V });
table.set('clamp', { args: [V, S, S], returns: V });
table.set('clamp_max', { args: [V, S], returns: V });
table.set('clamp_min', { args: [V, S], returns: V });
table.set('double_exponential_smoothing', { args: [M, S, S], returns: V });
table.set('histogram_fraction', { args: [S, S, V], returns: V });
table.set('histogram_quantile', { args: [S, V], returns: V });
table.set('histogram_quantiles', { args: [V, STR, S], variadic: true, returns: V });
table.set('label_join', { args: [V, STR, STR, STR], variadic: true, optional: 1, returns: V });
table.set('label_replace', { args: [V, STR, STR, STR, STR], returns: V });
table.set('pi', { args: [], returns: S });
table.set('predict_linear', { args: [M, S], returns: V });
table.set('quantile_over_time', { args: [S, M], returns: V });
table.set('round', { args: [V, S], optional: 1, returns: V });
table.set('scalar', { args: [V], returns: S });
table.set('sort_by_label', { args: [V, STR], variadic: true, optional: 1, returns: V });
table.set('sort_by_label_desc', { args: [V, STR], variadic: true, optional: 1, returns: V });
table.set('time', { args: [], returns: S });
for (const f of ['step', 'range', 'start', 'end']) table.set(f, { args: [], returns: S });
table.set('vector', { args: [S], returns: V });

export function functionSignature(name: string): FunctionSignature | undefined {
  return table.get(name);
}
