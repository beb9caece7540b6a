import { PRESETS, toLocalInput, type TimeRange } from '../time-range';

interface Props {
  search: URLSearchParams;
  range: TimeRange;
  /** New URL parameters: either `range`, or `from` and `to`. */
  onChange: (p: { range?: string; from?: string; to?: string }) => void;
}

/** Preset buttons (15 m … 7 d) and a custom start/end. */
export function RangePicker({ search, range, onChange }: Props) {
  const custom = search.has('from');
  const current = custom ? '' : (search.get('range') ?? PRESETS[0]!.key);
  const setCustom = (which: 'from' | 'to', value: string) => {
    const sec = Math.floor(new Date(value).getTime() / 1000);
    if (!Number.isFinite(sec)) return;
    onChange({
      from: String(which === 'from' ? sec : range.startSec),
      to: String(which === 'to' ? sec : range.endSec),
    });
  };
  return (
    <div class="range-picker">
      {PRESETS.map((p) => (
        <button
          class={current === p.key ? 'active' : undefined}
          onClick={() => onChange({ range: p.key })}
        >
          {p.label}
        </button>
      ))}
      <label>
        from{' '}
        <input
          type="datetime-local"
          value={toLocalInput(range.startSec)}
          onChange={(e) => setCustom('from', (e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        to{' '}
        <input
          type="datetime-local"
          value={toLocalInput(range.endSec)}
          onChange={(e) => setCustom('to', (e.target as HTMLInputElement).value)}
        />
      </label>
    </div>
  );
}
