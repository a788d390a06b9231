import { AlertFeed, supervisionOf, type AlertView } from '../alerts';
import type { ApiClient } from '../api';
import type { Envelope } from '../cursor';
import { byId, escapeHtml, onClickOf } from '../dom';
import { formatTime, type Strings } from '../i18n';
import type { UnitNames } from '../names';
import type { Panel, ScreenView } from './view';

const rolesThatAcknowledge = new Set(['admin', 'operator', 'staff', 'worker', 'corrections']);
/** Alerts shown at most, and how long a newly raised critical one flashes. */
const shown = 50;
const flashMs = 30_000;

export interface Operator {
  readonly username: string;
  readonly role: string;
}

/** The live alert feed, newest first: critical alerts flash (and sound once), 签收 acknowledges through the API. */
export class AlertFeedPanel implements Panel {
  private feed = new AlertFeed();
  /** The feed of a unit being loaded, shown once the load is complete. */
  private staged: AlertFeed | null = null;
  private readonly flashing = new Set<string>();
  private list!: HTMLElement;

  constructor(private readonly api: Pick<ApiClient, 'acknowledgeAlert'>, private readonly operator: Operator, private readonly changed: () => void) {}

  html(t: Strings): string {
    return `<section class="feed-panel"><h2 data-text="alertFeed">${t.alertFeed}</h2><ul id="alerts"></ul></section>`;
  }

  mount(root: HTMLElement): void {
    this.list = byId(root, 'alerts');
    onClickOf<HTMLButtonElement>(this.list, 'button.ack', (button) => void this.acknowledge(button.dataset.id!, button));
  }

  /** The open alerts of a unit being loaded: from now on events apply to them too, until show() makes them the feed. */
  stage(alerts: readonly AlertView[]): void {
    this.staged = new AlertFeed();
    this.staged.load(alerts);
  }

  show(): void {
    if (this.staged) {
      this.feed = this.staged;
      this.staged = null;
    }
  }

  /** An event from the hub; a newly raised critical alert flashes and sounds. */
  apply(event: Envelope): void {
    this.staged?.apply(event);
    const raised = this.feed.apply(event);
    if (raised?.severity === 'critical') {
      this.flashing.add(raised.id);
      setTimeout(() => this.flashing.delete(raised.id), flashMs);
      beep();
    }
  }

  render({ language, t, figures: { unit }, names, subjects }: ScreenView): void {
    const mayAck = rolesThatAcknowledge.has(this.operator.role);
    const items = this.feed.list().filter((a) => a.unitCode.startsWith(unit.code)).slice(0, shown);
    this.list.innerHTML = items.length === 0
      ? `<li class="empty">${t.noAlerts}</li>`
      : items.map((a) => `
        <li class="alert-item ${a.severity} ${a.drill ? 'drill' : ''} ${this.flashing.has(a.id) && a.state === 'firing' ? 'flash' : ''}" data-id="${a.id}" data-state="${a.state}" data-subject="${escapeHtml(a.subject.id)}" data-rule="${escapeHtml(a.ruleId)}">
          <span class="severity">${t.severities[a.severity] ?? a.severity}</span>
          <span class="time">${formatTime(a.raisedAt, language)}</span>
          <span class="what">${a.drill ? `<span class="drill-mark">${t.drill}</span>` : ''}${escapeHtml(a.title)}${who(subjects.of(a.subject))}</span>
          <span class="where">${escapeHtml(names.place(a.unitCode, unit.code, t))}${badge(a, t, names)}</span>
          ${a.state === 'acknowledged'
            ? `<span class="acked-by">${t.acknowledgedBy} · ${escapeHtml(a.acknowledgedBy ?? '')}</span>`
            : mayAck ? `<button class="ack" data-id="${a.id}">${t.acknowledge}</button>` : ''}
        </li>`).join('');
  }

  private async acknowledge(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      // The same authorised API as any console; every screen hears the result as alert.acknowledged.
      const view = await this.api.acknowledgeAlert(id, { opId: `screen-ack-${id}-${this.operator.username}`, note: '' });
      this.feed.apply({ seq: 0, districtCode: '', unitCode: view.unitCode, type: 'alert.acknowledged', at: '', data: view as never });
      this.changed();
    } catch {
      button.disabled = false;
    }
  }
}

/** Who the alert is about, when known: a worker's name, a key person's masked one. */
function who(name: string | undefined): string {
  return name ? ` <span class="who">· ${escapeHtml(name)}</span>` : '';
}

/** 督办 · 锦江区 ×3: the unit an escalated alert has reached (by name; its level's word until the name is known) and how often a unit was urged. */
function badge(a: AlertView, t: Strings, names: UnitNames): string {
  const s = supervisionOf(a);
  const reached = a.responsibleUnitCode ?? a.unitCode;
  return s ? ` <span class="escalation" data-level="${s.level}" data-count="${s.count}">${t.supervised} · ${escapeHtml(names.name(reached) ?? t.levels[s.level])}${s.count > 1 ? ` ×${s.count}` : ''}</span>` : '';
}

let audio: AudioContext | undefined;

/** A short tone for a critical alert (browsers allow it once the operator has interacted with the page). */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    oscillator.frequency.value = 880;
    oscillator.connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  } catch {
    // No audio device on this screen: the flash is enough.
  }
}
