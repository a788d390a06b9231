import * as echarts from 'echarts/core';
import { BarChart, MapChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';

// ECharts with only what the panels draw, and the look the charts share.

echarts.use([MapChart, ScatterChart, BarChart, GeoComponent, GridComponent, TooltipComponent, VisualMapComponent, LabelLayout, CanvasRenderer]);

export { echarts };

/** A panel that draws a chart: resized with the window. */
export interface ChartPanel {
  resize(): void;
}

/** Chart text in pixels, following the page's root font size (which follows the viewport): the same look at 1080p and 4K. */
export function px(rem: number): number {
  return Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * rem);
}

/** An axis's labels, sized in rem. */
export function axisLabel(rem: number, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { color: '#cbd5e0', fontSize: px(rem), ...more };
}

/** A value axis's grid lines. */
export function splitLine(): Record<string, unknown> {
  return { lineStyle: { color: '#2d3748' } };
}

/** A bar's value label, sized in rem. */
export function barLabel(position: 'top' | 'right', rem: number, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { show: true, position, color: '#e2e8f0', fontSize: px(rem), ...more };
}
