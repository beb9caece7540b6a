import { looksLikePromQL } from './promql-command';

describe('ztsdb query: which text is PromQL', () => {
  it.each([
    'rate(container_cpu_usage[5m])',
    'sum by (image) (container_cpu_usage)',
    'container_cpu_usage[5m]',
    'container_cpu_usage / 100',
    'a and b',
  ])('PromQL: %s', (t) => expect(looksLikePromQL(t)).toBe(true));

  it.each([
    'container.cpu.usage.abc123def456',
    'container_cpu_usage',
    'container_cpu_usage{container_name="web (1)"}',
    'container_cpu_usage{image=~"nginx|redis"}',
    'container.cpu.*',
  ])('a ztsdb selector or name: %s', (t) => expect(looksLikePromQL(t)).toBe(false));
});
