// A uPlot chart as a Preact component: created once, fed new data on every render, resized with its box.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartProps {
  title: string;
  /** x (epoch seconds) first, then one array per series. */
  data: uPlot.AlignedData;
  series: { label: string; stroke: string; fill?: string }[];
  /** Draw each point: for series with gaps, where a lone minute would otherwise not show. */
  points?: boolean;
  height?: number;
  /** A sparkline: no axes, legend or cursor. */
  spark?: boolean;
  width?: number;
}

export function Chart({ title, data, series, height = 180, spark = false, width, points = false }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current!;
    const w = width ?? Math.max(240, el.clientWidth || 480);
    const opts: uPlot.Options = spark
      ? {
          width: w, height, legend: { show: false }, cursor: { show: false }, select: { show: false, left: 0, top: 0, width: 0, height: 0 },
          axes: [{ show: false }, { show: false }], scales: { x: { time: false } },
          series: [{}, ...series.map((s) => ({ stroke: s.stroke, fill: s.fill, width: 1.5, points: { show: false } }))],
        }
      : {
          width: w, height, title,
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, fill: s.fill, width: 1.5, ...(points ? { points: { show: true, size: 5 } } : {}) }))],
          axes: [{}, { size: 64, values: (_u: uPlot, splits: number[]) => splits.map(tick) }],
        };
    plot.current = new uPlot(opts, data, el);
    let observer: ResizeObserver | undefined;
    if (!spark && !width) {
      observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(240, el.clientWidth), height }));
      observer.observe(el);
    }
    return () => {
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, spark, height, width, points]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class={spark ? 'spark' : 'chart'} ref={box} role="img" aria-label={title} />;
}

/** Axis labels that stay readable for GB-seconds (tiny) and fuel (huge) alike. */
function tick(v: number): string {
  const a = Math.abs(v);
  if (v === 0) return '0';
  if (a < 0.01 || a >= 1e7) return v.toExponential(1);
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
