import { escapeHtml } from '../../dom';
import { texts } from '../../i18n';
import { SubjectNames, UnitNames } from '../../names';
import type { ConsoleContext } from '../context';

// Names in place of codes and ids on a console page, with the wall screen's caches (../../names.ts): cells are drawn at once
// with a placeholder (the unit's level, 网格/社区…), the unknown codes of a moment go to the server in one request, and the
// names are painted into the page when they come. Units by GET /api/v1/units/names; alert subjects (workers, key persons —
// masked, audited, for roles that read them —, devices' persons) by GET /api/v1/subjects/names.

const subjectKinds: Record<string, [string, string]> = {
  device: ['设备', 'Device'], worker: ['网格员', 'Worker'], 'key-person': ['重点人员', 'Key person'], incident: ['事件', 'Case'],
  grid: ['网格', 'Grid'], community: ['社区', 'Community'], 'key-place': ['重点场所', 'Key place'],
};

export class PageNames {
  private readonly units: UnitNames;
  private readonly subjects: SubjectNames;

  constructor(private readonly ctx: ConsoleContext, private readonly host: HTMLElement) {
    this.units = new UnitNames((codes) => ctx.api.unitNames(codes), () => this.paint());
    this.subjects = new SubjectNames((keys) => ctx.api.subjectNames(keys), () => this.paint());
  }

  /** Below the caller's unit: the path of names down to it; the caller's unit or one above (an escalation's): its own name. */
  private unitText(code: string): string {
    const strings = texts(this.ctx.language);
    return code.startsWith(this.ctx.me.unitCode) ? this.units.place(code, this.ctx.me.unitCode, strings) : this.units.label(code, strings);
  }

  /** A unit by name, seen from the caller's unit (水井坊社区 › 水井坊社区第1网格); its level's word until the name comes. */
  unit(code: string): string {
    return `<span class="unit-name" data-unit-code="${escapeHtml(code)}">${escapeHtml(this.unitText(code))}</span>`;
  }

  /** What an alert is about: the kind's word and the person's (masked) name, the unit's name, or the case's number. */
  subject(subject: { kind: string; id: string }): string {
    const [zh, en] = subjectKinds[subject.kind] ?? [subject.kind, subject.kind];
    const kind = `<span class="subject-kind">${escapeHtml(this.ctx.t(zh, en))}</span>`;
    if (subject.kind === 'grid' || subject.kind === 'community') {
      return `${kind} ${this.unit(subject.id)}`;
    }
    if (subject.kind === 'incident') {
      return `${kind} <a href="#/cases/${encodeURIComponent(subject.id)}">${escapeHtml(subject.id)}</a>`;
    }
    const key = `${subject.kind}:${subject.id}`;
    const name = this.subjects.of(subject);
    return `${kind} <span class="subject-name" data-subject="${escapeHtml(key)}">${escapeHtml(name ?? '')}</span>`;
  }

  /** Writes the names that have come into the page's placeholders. */
  paint(): void {
    this.host.querySelectorAll<HTMLElement>('[data-unit-code]').forEach((el) => { el.textContent = this.unitText(el.dataset.unitCode!); });
    this.host.querySelectorAll<HTMLElement>('[data-subject]').forEach((el) => {
      const [kind, ...id] = el.dataset.subject!.split(':');
      el.textContent = this.subjects.of({ kind, id: id.join(':') }) ?? '';
    });
  }
}
