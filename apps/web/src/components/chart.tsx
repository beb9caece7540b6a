import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colorOf } from './series-data';

export interface ChartProps {
  data: uPlot.AlignedData;
  /** One name per series (data[1…]). */
  names: string[];
  format: (v: number) => string;
  height?: number;
  /** Called with the dragged time range in seconds; without it dragging does not zoom. */
  onZoom?: (startSec: number, endSec: number) => void;
  testId?: string;
}

/** A tooltip that follows the crosshair with the time and each series' value under it. */
function tooltipPlugin(format: (v: number) => string): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tip';
        tip.style.display = 'none';
        u.over.appendChild(tip);
        u.over.addEventListener('mouseleave', () => (tip.style.display = 'none'));
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i == null || u.cursor.left == null || u.cursor.left < 0) {
          tip.style.display = 'none';
          return;
        }
        const t = new Date((u.data[0][i] ?? 0) * 1000).toLocaleString();
        const rows: string[] = [`<b>${t}</b>`];
        let shown = 0;
        for (let s = 1; s < u.series.length && shown < 10; s++) {
          const v = u.data[s]?.[i];
          if (v == null) continue;
          shown++;
          const name = String(u.series[s]!.label ?? '').replace(/</g, '&lt;');
          rows.push(`<span style="color:${colorOf(s - 1)}">■</span> ${name}: <b>${format(v)}</b>`);
        }
        tip.innerHTML = rows.join('<br>');
        tip.style.display = 'block';
        const left = u.cursor.left + 12;
        tip.style.left = `${left + 240 > u.over.clientWidth ? u.cursor.left - 252 : left}px`;
        tip.style.top = `${(u.cursor.top ?? 0) + 12}px`;
      },
    },
  };
}

/** A uPlot time-series chart that fills its container's width. */
export function Chart({ data, names, format, height = 220, onZoom, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: names.length <= 12 },
      cursor: { drag: { x: !!onZoom, y: false, setScale: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, vals) => vals.map((v) => format(v)), size: 70 }],
      series: [
        {},
        ...names.map((n, i) => ({
          label: n,
          stroke: colorOf(i),
          width: 1.25,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
        })),
      ],
      plugins: [tooltipPlugin(format)],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4 || !zoom.current) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(a, b);
          },
        ],
      },
    };
    const p = new uPlot(opts, data, el);
    plot.current = p;
    const ro = new ResizeObserver(() => p.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = undefined;
    };
    // A new set of series (names) needs a new chart; new data for the same series does not.
  }, [names.join('\n'), height, format]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={box} data-testid={testId} data-series={names.length} />;
}
