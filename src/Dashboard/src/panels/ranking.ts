import { axisLabel, barLabel, echarts, splitLine, type ChartPanel } from '../charts';
import { byId } from '../dom';
import { formatRate, type Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

/** The children ranked by on-time closure rate, best at the top. */
export class RankingPanel implements Panel, ChartPanel {
  private chart!: echarts.ECharts;

  html(t: Strings): string {
    return `<section class="ranking-panel"><h2 data-text="ranking">${t.ranking}</h2><div id="ranking" class="chart"></div></section>`;
  }

  mount(root: HTMLElement): void {
    this.chart = echarts.init(byId(root, 'ranking'));
  }

  resize(): void {
    this.chart.resize();
  }

  render({ language, figures }: ScreenView): void {
    const ranked = figures.ranking().reverse();   // a category axis draws its first entry at the bottom
    this.chart.setOption({
      grid: { left: '3%', right: '10%', top: 10, bottom: 10, containLabel: true },
      xAxis: { type: 'value', max: 1, axisLabel: axisLabel(0.75, { formatter: (v: number) => formatRate(v, language) }), splitLine: splitLine() },
      yAxis: { type: 'category', data: ranked.map((r) => r.name), axisLabel: axisLabel(0.8, { interval: 0 }) },
      series: [{ type: 'bar', data: ranked.map((r) => r.rate ?? 0), itemStyle: { color: '#38b2ac' },
        label: barLabel('right', 0.8, { formatter: (p: { dataIndex: number }) => formatRate(ranked[p.dataIndex].rate, language) }) }],
    });
  }
}
