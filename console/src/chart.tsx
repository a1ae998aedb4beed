import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
  Filler,
);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#1f2933';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export type ChartConfig = ChartConfiguration<'bar' | 'line', (number | [number, number] | null)[], string>;

export interface ChartFigureProps {
  id: string;
  title: string;
  /** One sentence for people who cannot see the chart (also the canvas's accessible name). */
  summary: string;
  config: ChartConfig;
  /** How a value is written in the data table (money, quantities). */
  formatValue: (v: number) => string;
  /** The data table lists only the labels some series has a value at (a year of days, a few readings). */
  onlyRowsWithValues?: boolean;
}

/**
 * A Chart.js chart with what the page plotted kept beside it: the same labels and series as a data
 * table (for screen readers and anyone who wants the numbers) and as `data-chart` JSON on the figure,
 * which the browser tests read to check the plotted points against the API.
 */
export function ChartFigure({ id, title, summary, config, formatValue, onlyRowsWithValues }: ChartFigureProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...config,
      options: { ...config.options, animation: false, responsive: true, maintainAspectRatio: false },
    } as ChartConfiguration);
    return () => chart.destroy();
  }, [JSON.stringify(config.data)]);

  const labels = config.data.labels ?? [];
  const series = config.data.datasets.map((d) => ({ label: d.label ?? '', data: d.data }));
  const cell = (v: number | [number, number] | null | undefined) =>
    v == null ? '—' : Array.isArray(v) ? `${formatValue(v[0])} – ${formatValue(v[1])}` : formatValue(v);
  return (
    <figure class="chart" id={id} data-chart={JSON.stringify({ labels, series })}>
      <figcaption>
        <h3>{title}</h3>
        <p class="muted">{summary}</p>
      </figcaption>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${title}. ${summary}`} />
      </div>
      <details>
        <summary>Chart data as a table</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Label</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) =>
                onlyRowsWithValues && series.every((s) => s.data[i] == null) ? null : (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    {series.map((s) => (
                      <td key={s.label}>{cell(s.data[i])}</td>
                    ))}
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
