import { axisLabel, barLabel, echarts, splitLine, type ChartPanel } from '../charts';
import { byId } from '../dom';
import type { Strings } from '../i18n';
import { openStages } from '../unit';
import type { Panel, ScreenView } from './view';

/** Cases by stage: the open pipeline, from reported to waiting for verification, from the unit's live counters. */
export class PipelinePanel implements Panel, ChartPanel {
  private chart!: echarts.ECharts;

  html(t: Strings): string {
    return `<section class="pipeline-panel"><h2 data-text="pipeline">${t.pipeline}</h2><div id="pipeline" class="chart"></div></section>`;
  }

  mount(root: HTMLElement): void {
    this.chart = echarts.init(byId(root, 'pipeline'));
  }

  resize(): void {
    this.chart.resize();
  }

  render({ t, figures }: ScreenView): void {
    const counts = figures.stageCounts();
    const drill = figures.drillStageCounts().map((d, i) => Math.min(d, counts[i]));
    // The figures as text too, for screen readers and checks (a canvas has none).
    const el = this.chart.getDom();
    el.dataset.counts = counts.join(',');
    el.dataset.drillCounts = drill.join(',');
    el.setAttribute('aria-label', openStages.map((s, i) => `${t.stages[s]} ${counts[i]}`).join(', '));
    this.chart.setOption({
      grid: { left: '3%', right: '4%', top: 10, bottom: 30, containLabel: true },
      xAxis: { type: 'category', data: openStages.map((s) => t.stages[s]), axisLabel: axisLabel(0.9) },
      yAxis: { type: 'value', minInterval: 1, axisLabel: axisLabel(0.8), splitLine: splitLine() },
      // A drill's cases (演练) stack on top in their own colour: visibly exercises, never mixed into the real pipeline. The
      // bars stay as tall as the counters; the real part is what the counters hold besides the drill's.
      series: [
        { type: 'bar', stack: 'cases', data: counts.map((c, i) => c - drill[i]), itemStyle: { color: '#4299e1' }, label: barLabel('top', 0.9) },
        { type: 'bar', stack: 'cases', name: t.drill, data: drill, itemStyle: { color: '#ed8936', decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: -0.8 } } },
      ],
    });
  }
}
