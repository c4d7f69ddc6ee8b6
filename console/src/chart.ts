/** A uPlot chart as a Preact component: uPlot draws; this only sizes it to its box and hands it new data. */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartProps {
  /** Options without width and height (the chart fills its box's width). */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  /** A click on the plot: the index of the point under the cursor. */
  onPick?: (idx: number) => void;
  label: string;
  className?: string;
}

export function Chart({ options, data, height = 320, onPick, label, className = '' }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  // A new chart when the options change (series differ); new data only otherwise.
  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({ ...options, width: Math.max(300, el.clientWidth), height }, data, el);
    plot.current = u;
    u.over.addEventListener('click', () => {
      const idx = u.cursor.idx;
      if (idx !== null && idx !== undefined) pick.current?.(idx);
    });
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    if (plot.current && plot.current.data !== data) plot.current.setData(data);
  }, [data]);

  return html`<div class=${`chart ${className}`} ref=${box} role="img" aria-label=${label}></div>`;
}

export const stepped = uPlot.paths.stepped!({ align: 1 });
export const bars = uPlot.paths.bars!({ size: [0.7, 40] });
export { uPlot };
