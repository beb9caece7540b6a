import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  promMetricName,
  ProtoWriter,
  translateOtlp,
  type OtlpResourceMetrics,
} from './index';

const T = 1_700_000_000_123n * 1_000_000n; // ns

function kv(w: ProtoWriter, field: number, key: string, value: string | number): void {
  w.message(field, (k) =>
    k
      .string(1, key)
      .message(2, (v) =>
        typeof value === 'string' ? v.string(1, value) : v.tag(3, 0).varint(value),
      ),
  );
}

function request(): Buffer {
  const w = new ProtoWriter();
  w.message(1, (rm) => {
    rm.message(1, (res) => {
      kv(res, 1, 'service.name', 'shop');
      kv(res, 1, 'service.instance.id', 'shop-7');
    });
    rm.message(2, (sm) => {
      sm.message(2, (m) =>
        m
          .string(1, 'queue.length')
          .string(3, '{item}')
          .message(5, (g) =>
            g.message(1, (p) => {
              kv(p, 7, 'queue', 'q1');
              p.fixed64(3, T).double(4, 7);
            }),
          ),
      );
      sm.message(2, (m) =>
        m.string(1, 'http.requests').message(7, (s) =>
          s
            .message(1, (p) => p.fixed64(3, T).double(4, 12))
            .tag(2, 0)
            .varint(2)
            .tag(3, 0)
            .varint(1),
        ),
      );
      sm.message(2, (m) =>
        m
          .string(1, 'rpc.duration')
          .string(3, 's')
          .message(9, (h) =>
            h
              .message(1, (p) => {
                p.fixed64(3, T).fixed64(4, 3).double(5, 1.5);
              })
              .tag(2, 0)
              .varint(2),
          ),
      );
      sm.message(2, (m) =>
        m.string(1, 'latency').message(11, (s) =>
          s.message(1, (p) => {
            p.fixed64(3, T).fixed64(4, 10).double(5, 20);
            p.message(6, (q) => q.double(1, 0.5).double(2, 1.5));
          }),
        ),
      );
      sm.message(2, (m) => m.string(1, 'expo').message(10, (e) => e.tag(1, 2).varint(0)));
    });
  });
  return w.finish();
}

describe('OTLP metrics', () => {
  it('names metrics as Prometheus translates OTLP', () => {
    const n = (
      name: string,
      unit: string,
      kind: 'gauge' | 'sum' | 'histogram',
      monotonic = false,
    ) => promMetricName({ name, unit, kind, monotonic });
    expect(n('http.server.duration', 'ms', 'histogram')).toBe('http_server_duration_milliseconds');
    expect(n('app.requests', '{request}', 'sum', true)).toBe('app_requests_total');
    expect(n('system.memory.usage', 'By', 'gauge')).toBe('system_memory_usage_bytes');
    expect(n('cpu.utilization', '1', 'gauge')).toBe('cpu_utilization_ratio');
    expect(n('net.io', 'By/s', 'sum', false)).toBe('net_io_bytes_per_second');
    expect(n('requests_total', '', 'sum', true)).toBe('requests_total');
    expect(n('latency.seconds', 's', 'gauge')).toBe('latency_seconds');
  });

  it('decodes protobuf gauges, sums, histograms and summaries and translates them', () => {
    const res = decodeOtlpProtobuf(request());
    expect(res[0]!.resource).toEqual({ 'service.name': 'shop', 'service.instance.id': 'shop-7' });
    const out: Array<[Record<string, string>, number, number, boolean]> = [];
    const skipped = translateOtlp(res, (l, t, v, d) => out.push([l, t, v, d]));
    expect(skipped).toBe(1); // the exponential histogram
    const job = { job: 'shop', instance: 'shop-7' };
    expect(out).toEqual([
      [{ ...job, queue: 'q1', __name__: 'queue_length' }, 1_700_000_000_123, 7, false],
      [{ ...job, __name__: 'http_requests_total' }, 1_700_000_000_123, 12, false],
      [
        { ...job, __name__: 'rpc_duration_seconds_bucket', le: '+Inf' },
        1_700_000_000_123,
        3,
        false,
      ],
      [{ ...job, __name__: 'rpc_duration_seconds_sum' }, 1_700_000_000_123, 1.5, false],
      [{ ...job, __name__: 'rpc_duration_seconds_count' }, 1_700_000_000_123, 3, false],
      [{ ...job, __name__: 'latency', quantile: '0.5' }, 1_700_000_000_123, 1.5, false],
      [{ ...job, __name__: 'latency_sum' }, 1_700_000_000_123, 20, false],
      [{ ...job, __name__: 'latency_count' }, 1_700_000_000_123, 10, false],
    ]);
  });

  it('decodes the JSON mapping: string int64s, delta temporality, buckets', () => {
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'd',
                  unit: 'By',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        timeUnixNano: String(T),
                        count: '4',
                        sum: 605,
                        bucketCounts: ['1', '2', '1'],
                        explicitBounds: [10, 100],
                        attributes: [{ key: 'http.route', value: { stringValue: '/a' } }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const out: Array<[string, string | undefined, number, boolean]> = [];
    translateOtlp(decodeOtlpJson(body), (l, _t, v, d) => out.push([l.__name__!, l.le, v, d]));
    expect(out).toEqual([
      ['d_bytes_bucket', '10', 1, true],
      ['d_bytes_bucket', '100', 3, true],
      ['d_bytes_bucket', '+Inf', 4, true],
      ['d_bytes_sum', undefined, 605, true],
      ['d_bytes_count', undefined, 4, true],
    ]);
  });

  it('refuses corrupt protobuf and odd JSON with an error, never a crash', () => {
    const good = request();
    for (let cut = 1; cut < good.length; cut += 5) {
      let r: OtlpResourceMetrics[] | undefined;
      try {
        r = decodeOtlpProtobuf(good.subarray(0, cut));
      } catch (e) {
        expect((e as Error).message).toMatch(/truncated|runs past|wire type|varint/);
        continue;
      }
      expect(Array.isArray(r)).toBe(true);
    }
    expect(() => decodeOtlpJson('x')).toThrow(/JSON object/);
    expect(() =>
      decodeOtlpJson({
        resourceMetrics: [
          {
            scopeMetrics: [{ metrics: [{ name: 'a', gauge: { dataPoints: [{ asDouble: {} }] } }] }],
          },
        ],
      }),
    ).toThrow(/not a number/);
    expect(decodeOtlpJson({})).toEqual([]);
  });
});
