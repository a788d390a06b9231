import type { ApiClient } from '../api';
import { CampaignBoard, completionPercent, type CampaignProgress } from '../campaigns';
import type { Envelope } from '../cursor';
import { byId, escapeHtml } from '../dom';
import type { Strings } from '../i18n';
import type { Panel, ScreenView } from './view';

/**
 * 专项整治 on the wall: the open campaigns of the unit on screen, each grid's completion (done / total), moved live by the hub's
 * `campaign.progress`. Hidden while the unit has none, so the screen's layout is the same as without it.
 */
export class CampaignsPanel implements Panel {
  private readonly board = new CampaignBoard();
  private block!: HTMLElement;
  private list!: HTMLElement;
  private unit = '';
  private reading: Promise<void> | null = null;

  constructor(private readonly api: ApiClient, private readonly changed: () => void) {}

  html(t: Strings): string {
    return `<div id="campaigns-block" hidden><h2 class="campaigns-title" data-text="campaigns">${t.campaigns}</h2><ul id="campaigns"></ul></div>`;
  }

  mount(root: HTMLElement): void {
    this.block = byId(root, 'campaigns-block');
    this.list = byId(root, 'campaigns');
  }

  /** Reads the unit's open campaigns (a screen without the function, or a failed read, shows none). */
  show(unit: string): Promise<void> {
    this.unit = unit;
    this.reading = this.api.openCampaigns(unit).then((page) => {
      if (this.unit === unit) {
        this.board.load(page.items);
        this.changed();
      }
    }, () => undefined).finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** A hub event: a campaign's grid moved. A campaign the screen has not read yet (started since) is read again. */
  apply(e: Envelope): void {
    if (e.type !== 'campaign.progress') {
      return;
    }
    if (!this.board.apply(e.data as unknown as CampaignProgress) && !this.reading && this.unit) {
      void this.show(this.unit);
    }
    this.changed();
  }

  render({ t, names }: ScreenView): void {
    const campaigns = this.board.list();
    this.block.hidden = campaigns.length === 0;
    this.list.innerHTML = campaigns.map((c) => `<li class="campaign" data-id="${escapeHtml(c.id)}">
      <div class="campaign-head"><span class="name">${escapeHtml(c.title)}</span><span class="count">${c.done}/${c.total}</span></div>
      <ul class="campaign-grids">${c.grids.map((g) => `<li class="campaign-grid ${g.done >= g.total ? 'finished' : ''}" data-grid="${escapeHtml(g.gridCode)}"
        title="${escapeHtml(g.gridCode)}"><span class="grid">${escapeHtml(names.label(g.gridCode, t))}</span>
        <span class="bar"><span style="width:${completionPercent(g.done, g.total)}%"></span></span><span class="progress">${g.done}/${g.total}</span></li>`).join('')}</ul></li>`).join('');
    names.want(campaigns.flatMap((c) => c.grids.map((g) => g.gridCode)));
  }
}
