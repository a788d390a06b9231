import { escapeHtml } from '../dom';
import { DeviceApi, DeviceSender, DeviceUnauthorized, type DeviceAlert, type DeviceIdentity, type DeviceTask } from './device';
import { resizePhoto } from './photos';
import { batteryPct, CoordSystem, currentFix, type Fix } from './position';
import { newOpId, nextSeq, type ItemKind, type KeyValues, type Queue } from './queue';

// The signed-in app: a header with the network, what still waits and the duty switch; tabs for tasks, reporting, visits,
// collecting and the settings. Every action is written to the queue first and sent from there (queue.ts).

type Tab = 'tasks' | 'report' | 'visit' | 'collect' | 'check-in' | 'more';

/** Seconds between positions while on duty, unless the worker sets another interval. */
export const DefaultIntervalSeconds = 60;
const PollTasksMs = 20_000;
const FlushEveryMs = 10_000;
const Revoked: [string, string] = ['本机已被撤销登记，请联系工作台重新登记', 'This phone was revoked; ask the console to provision it again'];

export class WorkerApp {
  private tab: Tab;
  private onDuty = false;
  private lastSeq = 0;
  private lastFix: Fix | null = null;
  private tasks: DeviceTask[] = [];
  private alerts: DeviceAlert[] = [];
  private categories: { code: string; name: string }[] = [];
  private positionTimer = 0;
  private flushTimer = 0;
  private pollTimer = 0;
  private retryTimer = 0;
  private closed = false;
  private readonly sender: DeviceSender;

  constructor(
    private readonly root: HTMLElement,
    private readonly device: DeviceIdentity,
    private readonly api: DeviceApi,
    private readonly queue: Queue,
    private readonly kv: KeyValues,
    private readonly signOut: (reason?: [string, string]) => void,
  ) {
    this.sender = new DeviceSender(api);
    this.tab = device.kind === 'person-phone' ? 'check-in' : 'tasks';
  }

  async open(): Promise<void> {
    this.onDuty = (await this.kv.get<boolean>('duty')) ?? false;
    this.lastSeq = (await this.kv.get<number>('seq')) ?? 0;
    this.lastFix = (await this.kv.get<Fix>('fix')) ?? null;
    this.tasks = (await this.kv.get<DeviceTask[]>('tasks')) ?? [];
    this.alerts = (await this.kv.get<DeviceAlert[]>('alerts')) ?? [];
    this.categories = (await this.kv.get<{ code: string; name: string }[]>('categories')) ?? [];
    this.render();
    this.queue.onChange(() => void this.showWaiting());
    window.addEventListener('online', this.wentOnline);
    window.addEventListener('offline', this.showNetwork);
    this.flushTimer = window.setInterval(() => void this.flush(), FlushEveryMs);
    this.pollTimer = window.setInterval(() => void this.pollTasks(), PollTasksMs);
    if (this.onDuty) {
      this.startPositions();
    }
    await this.showWaiting();
    void this.flush();
    void this.pollTasks();
    void this.loadCategories();
  }

  private close(reason?: [string, string]): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    window.clearInterval(this.flushTimer);
    window.clearInterval(this.pollTimer);
    window.clearInterval(this.positionTimer);
    window.clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.wentOnline);
    window.removeEventListener('offline', this.showNetwork);
    this.signOut(reason);
  }

  private readonly wentOnline = (): void => {
    this.showNetwork();
    void this.flush();
    void this.pollTasks();
  };

  private readonly showNetwork = (): void => {
    const el = this.root.querySelector<HTMLElement>('[data-field=network]');
    if (el) {
      el.dataset.state = navigator.onLine ? 'online' : 'offline';
      el.textContent = navigator.onLine ? '在线 Online' : '离线 Offline';
    }
  };

  private async showWaiting(): Promise<void> {
    const count = await this.queue.waiting();
    const el = this.root.querySelector<HTMLElement>('[data-field=waiting]');
    if (el) {
      el.dataset.count = String(count);
      el.textContent = count === 0 ? '已全部发送 All sent' : `待发送 ${count} Waiting`;
    }
    if (this.tab === 'more') {
      await this.renderQueueLists();
    }
  }

  /** Sends what waits; stops at the first "later" and tries again when the server said, or at the next tick. */
  async flush(): Promise<void> {
    if (this.closed || !navigator.onLine) {
      return;
    }
    const result = await this.queue.flush(this.sender);
    if (result.signedOut) {
      this.close(Revoked);
      return;
    }
    if (result.failed > 0) {
      this.message(`${result.failed} 项被服务器拒绝，见「更多」`, `${result.failed} refused by the server; see More`);
    }
    if (result.retryAfterMs !== undefined && navigator.onLine) {
      window.clearTimeout(this.retryTimer);
      this.retryTimer = window.setTimeout(() => void this.flush(), result.retryAfterMs);
    }
  }

  private async record(kind: ItemKind, label: string, body: Record<string, unknown>, extra: { caseId?: string; taskId?: string; photos?: Blob[] } = {}): Promise<void> {
    const opId = newOpId();
    const at = new Date().toISOString();
    await this.queue.add({ kind, label, opId, at, body: { opId, ...body }, ...extra });
    this.message(navigator.onLine ? `已记录：${label}` : `已离线保存：${label}`, navigator.onLine ? `Recorded: ${label}` : `Saved offline: ${label}`);
    void this.flush();
  }

  // ---- positions and duty

  private async fix(): Promise<Fix | null> {
    try {
      this.lastFix = await currentFix();
      await this.kv.set('fix', this.lastFix);
    } catch {
      // Without a new fix the last one stands (its own time is what the status says).
    }
    return this.lastFix;
  }

  private async recordStatus(label: string): Promise<boolean> {
    const fix = await this.fix();
    if (!fix) {
      this.message('无法获取位置，请允许定位', 'No position: allow location access');
      return false;
    }
    this.lastSeq = nextSeq(this.lastSeq);
    await this.kv.set('seq', this.lastSeq);
    const battery = await batteryPct();
    await this.record('status', label, {
      seq: this.lastSeq,
      at: new Date().toISOString(),
      lat: fix.lat,
      lon: fix.lon,
      accuracyM: fix.accuracyM,
      coordSystem: CoordSystem,
      onDuty: this.onDuty,
      ...(battery === undefined ? {} : { batteryPct: battery }),
    });
    return true;
  }

  private async intervalSeconds(): Promise<number> {
    return (await this.kv.get<number>('interval')) ?? DefaultIntervalSeconds;
  }

  private startPositions(): void {
    window.clearInterval(this.positionTimer);
    void this.intervalSeconds().then((seconds) => {
      if (this.onDuty && !this.closed) {
        this.positionTimer = window.setInterval(() => void this.recordStatus('位置 position'), seconds * 1000);
      }
    });
  }

  private async toggleDuty(): Promise<void> {
    const next = !this.onDuty;
    this.onDuty = next;
    if (!(await this.recordStatus(next ? '上班 on duty' : '下班 off duty'))) {
      this.onDuty = !next;
      return;
    }
    await this.kv.set('duty', next);
    if (next) {
      this.startPositions();
    } else {
      window.clearInterval(this.positionTimer);
    }
    this.renderHeader();
  }

  // ---- tasks

  private async pollTasks(): Promise<void> {
    if (this.closed || !navigator.onLine || this.device.kind !== 'worker-phone') {
      return;
    }
    void this.pollAlerts();
    try {
      const answer = await this.api.tasks(await this.kv.get<string>('tasks-etag'));
      if (answer) {
        this.tasks = answer.items;
        await this.kv.set('tasks', answer.items);
        await this.kv.set('tasks-etag', answer.etag ?? undefined);
        if (this.tab === 'tasks') {
          this.refreshTaskList();
        }
      }
    } catch (e) {
      if (e instanceof DeviceUnauthorized) {
        this.close(Revoked);
      }
    }
  }

  /** The grid's urgent alerts, polled with the tasks; the last list stays for offline use. A newly arrived one is announced. */
  private async pollAlerts(): Promise<void> {
    try {
      const answer = await this.api.alerts(await this.kv.get<string>('alerts-etag'));
      if (answer) {
        const known = new Set(this.alerts.map((a) => a.id));
        const arrived = answer.items.filter((a) => !known.has(a.id));
        this.alerts = answer.items;
        await this.kv.set('alerts', answer.items);
        await this.kv.set('alerts-etag', answer.etag ?? undefined);
        this.renderAlerts();
        if (arrived.length > 0) {
          this.announce(arrived[0]!, arrived.length);
        }
      }
    } catch (e) {
      if (e instanceof DeviceUnauthorized) {
        this.close(Revoked);
      }
    }
  }

  private renderAlerts(): void {
    const section = this.root.querySelector<HTMLElement>('[data-field=alerts]');
    if (!section) {
      return;
    }
    section.hidden = this.alerts.length === 0;
    const states: Record<string, string> = { firing: '告警中 Firing', acknowledged: '已确认 Acknowledged' };
    const severities: Record<string, string> = { critical: '严重 Critical', warning: '警告 Warning', info: '提示 Info' };
    section.innerHTML = `<h2>紧急告警 <small>Urgent alerts</small></h2>
      <ul>${this.alerts
        .map((a) => `<li data-alert="${escapeHtml(a.id)}" data-state="${escapeHtml(a.state)}">
            <strong>${escapeHtml(a.title)}</strong>
            <span class="app-kind">${escapeHtml(severities[a.severity] ?? a.severity)} · ${escapeHtml(states[a.state] ?? a.state)}</span>
            <span class="app-place" data-field="place">${escapeHtml(a.place ?? a.unitCode)}</span>
            <time>${escapeHtml(new Date(a.raisedAt).toLocaleString('zh-CN'))}</time></li>`)
        .join('')}</ul>`;
  }

  /** A new alert: a banner above everything (tap to dismiss) and a vibration where the phone has one. */
  private announce(alert: DeviceAlert, count: number): void {
    const banner = this.root.querySelector<HTMLElement>('[data-field=alert-banner]');
    if (banner) {
      banner.hidden = false;
      banner.dataset.alert = alert.id;
      banner.textContent = count > 1
        ? `新的紧急告警 ${count} 条：${alert.title} · New urgent alerts (${count})`
        : `新的紧急告警：${alert.title}（${alert.place ?? alert.unitCode}）· New urgent alert`;
    }
    if (typeof navigator.vibrate === 'function') {
      navigator.vibrate([300, 150, 300]);
    }
  }

  /** New tasks into the list; a task the worker has open (a note or photos being written) stays as it is. */
  private refreshTaskList(): void {
    const list = this.root.querySelector<HTMLElement>('.app-main .app-list');
    const open = this.root.querySelector<HTMLElement>('.app-main .app-task');
    if (list && open && !open.hidden) {
      list.innerHTML = this.taskItems();
    } else {
      this.renderTab();
    }
  }

  private async loadCategories(): Promise<void> {
    if (!navigator.onLine || this.device.kind !== 'worker-phone') {
      return;
    }
    try {
      const categories = await this.api.categories();
      if (categories.length > 0) {
        this.categories = categories;
        await this.kv.set('categories', categories);
        if (this.tab === 'report') {
          this.renderTab();
        }
      }
    } catch (e) {
      if (e instanceof DeviceUnauthorized) {
        this.close(Revoked);
      }
    }
  }

  // ---- rendering

  private render(): void {
    const worker = this.device.kind === 'worker-phone';
    const tabs: [Tab, string, string][] = worker
      ? [['tasks', '任务', 'Tasks'], ['report', '上报', 'Report'], ['visit', '回访', 'Visit'], ['collect', '采集', 'Collect'], ['more', '更多', 'More']]
      : [['check-in', '报到', 'Check in'], ['more', '更多', 'More']];
    this.root.innerHTML = `
      <div class="app-shell" data-screen="app" data-device="${escapeHtml(this.device.deviceId)}">
        <header class="app-bar"></header>
        <p class="app-message" data-field="message" hidden></p>
        <p class="app-alert-banner" data-field="alert-banner" role="alert" hidden></p>
        <section class="app-alerts" data-field="alerts" hidden></section>
        <main class="app-main"></main>
        <nav class="app-tabs">${tabs.map(([id, zh, en]) => `<button type="button" data-tab="${id}">${zh}<small>${en}</small></button>`).join('')}</nav>
      </div>`;
    this.root.querySelector('.app-tabs')!.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLElement>('[data-tab]');
      if (button) {
        this.tab = button.dataset.tab as Tab;
        this.renderTab();
      }
    });
    this.root.querySelector<HTMLElement>('[data-field=alert-banner]')!.addEventListener('click', (e) => {
      (e.currentTarget as HTMLElement).hidden = true;
    });
    this.renderHeader();
    this.renderAlerts();
    this.renderTab();
  }

  private renderHeader(): void {
    const bar = this.root.querySelector<HTMLElement>('.app-bar')!;
    const worker = this.device.kind === 'worker-phone';
    bar.innerHTML = `
      <span class="app-network" data-field="network"></span>
      <span class="app-waiting" data-field="waiting"></span>
      ${worker ? `<button type="button" class="app-duty" data-action="duty" data-state="${this.onDuty ? 'on' : 'off'}">${this.onDuty ? '下班 <small>Go off duty</small>' : '上班 <small>Go on duty</small>'}</button>` : ''}`;
    bar.querySelector('[data-action=duty]')?.addEventListener('click', () => void this.toggleDuty());
    this.showNetwork();
    void this.showWaiting();
  }

  private renderTab(): void {
    this.root.querySelectorAll<HTMLElement>('[data-tab]').forEach((b) => b.classList.toggle('active', b.dataset.tab === this.tab));
    const main = this.root.querySelector<HTMLElement>('.app-main')!;
    main.dataset.tab = this.tab;
    switch (this.tab) {
      case 'tasks':
        this.renderTasks(main);
        break;
      case 'report':
        this.renderReport(main);
        break;
      case 'visit':
        this.renderVisit(main);
        break;
      case 'collect':
        this.renderCollect(main);
        break;
      case 'check-in':
        this.renderCheckIn(main);
        break;
      case 'more':
        this.renderMore(main);
        break;
    }
  }

  private taskItems(): string {
    const kinds: Record<DeviceTask['kind'], string> = {
      incident: '事件 Case', visit: '回访 Visit', 're-register': '续办 Re-register', inspection: '检查 Inspect', 'campaign-visit': '专项 Campaign',
    };
    return this.tasks.length === 0
      ? '<li class="app-empty">暂无任务 <small>Nothing assigned</small></li>'
      : this.tasks
          .map((t) => `<li data-id="${escapeHtml(t.id)}" data-kind="${t.kind}"><span class="app-kind">${kinds[t.kind] ?? t.kind}</span>
              <strong>${escapeHtml(t.title)}</strong>${t.place ? `<span class="app-place" data-field="place">${escapeHtml(t.place)}</span>` : ''}${
                t.due ? `<time>${escapeHtml(new Date(t.due).toLocaleString('zh-CN'))}</time>` : ''}</li>`)
          .join('');
  }

  private renderTasks(main: HTMLElement): void {
    main.innerHTML = `
      <div class="app-row"><h2>我的任务 <small>My tasks</small></h2><button type="button" data-action="refresh">刷新 <small>Refresh</small></button></div>
      <button type="button" class="app-primary" data-action="status">上报当前位置 <small>Send my position</small></button>
      <ul class="app-list">${this.taskItems()}</ul>
      <section class="app-task" hidden></section>`;
    main.querySelector('[data-action=refresh]')!.addEventListener('click', () => void this.pollTasks());
    main.querySelector('[data-action=status]')!.addEventListener('click', () => void this.recordStatus('位置 position'));
    main.querySelector('.app-list')!.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest<HTMLElement>('li[data-id]');
      const task = li && this.tasks.find((t) => t.id === li.dataset.id && t.kind === li.dataset.kind);
      if (task) {
        this.openTask(main.querySelector<HTMLElement>('.app-task')!, task);
      }
    });
  }

  private openTask(section: HTMLElement, task: DeviceTask): void {
    section.hidden = false;
    section.dataset.id = task.id;
    const due = task.due ? `<p>期限 <small>Due</small>: ${escapeHtml(new Date(task.due).toLocaleString('zh-CN'))}</p>` : '';
    if (task.kind === 'incident') {
      const where = task.lat != null && task.lon != null
        ? ` <a href="geo:${task.lat},${task.lon}" data-field="position">${task.lat.toFixed(5)}, ${task.lon.toFixed(5)} <small>(WGS-84)</small></a>`
        : '';
      const place = task.place || where ? `<p data-field="place">地点 <small>Place</small>: ${escapeHtml(task.place ?? '')}${where}</p>` : '';
      const description = task.description ? `<p data-field="description">描述 <small>Description</small>: ${escapeHtml(task.description)}</p>` : '';
      section.innerHTML = `<h3>${escapeHtml(task.title)}</h3><p>案件 <small>Case</small> <code>${escapeHtml(task.id)}</code></p>${place}${description}${due}
        <label>说明 <small>Note</small><textarea name="note" rows="3" maxlength="2000"></textarea></label>
        <label class="app-file">反馈照片 <small>Photos with the feedback (up to 3)</small><input type="file" name="feedback-photos" accept="image/*" capture="environment" multiple /></label>
        <p class="app-hint" data-field="feedback-photos"></p>
        <div class="app-row"><button type="button" data-action="start">开始处置 <small>Start</small></button>
        <button type="button" class="app-primary" data-action="feedback">处置反馈 <small>Feed back</small></button></div>`;
      const input = section.querySelector<HTMLInputElement>('[name=feedback-photos]')!;
      const hint = section.querySelector<HTMLElement>('[data-field=feedback-photos]')!;
      input.addEventListener('change', () => {
        hint.textContent = `${Math.min(3, input.files?.length ?? 0)} 张照片 photo(s)`;
      });
      for (const action of ['start', 'feedback']) {
        section.querySelector(`[data-action=${action}]`)!.addEventListener('click', () => {
          void (async () => {
            const noteField = section.querySelector<HTMLTextAreaElement>('[name=note]')!;
            const note = noteField.value.trim();
            // Photos go with the 反馈 only; resized here like a report's before they wait in the queue.
            const photos: Blob[] = [];
            if (action === 'feedback') {
              for (const file of Array.from(input.files ?? []).slice(0, 3)) {
                photos.push(await resizePhoto(file));
              }
            }
            await this.record('feedback', `${action === 'start' ? '开始' : '反馈'} ${task.id}`, { action, note: note || undefined }, { caseId: task.id, photos });
            if (action === 'feedback') {
              noteField.value = '';
              input.value = '';
              hint.textContent = '';
            }
          })();
        });
      }
    } else if (task.kind === 'campaign-visit') {
      // 流动人口专项整治: the visit done, queued with its opId like every action (the server applies it once).
      section.innerHTML = `<h3>${escapeHtml(task.title)}</h3>${due}
        <label>说明 <small>Note</small><textarea name="note" rows="2" maxlength="2000"></textarea></label>
        <button type="button" class="app-primary" data-action="complete-visit">已走访 <small>Visited</small></button>`;
      section.querySelector('[data-action=complete-visit]')!.addEventListener('click', () => {
        const note = section.querySelector<HTMLTextAreaElement>('[name=note]')!.value.trim();
        this.tasks = this.tasks.filter((t) => !(t.kind === 'campaign-visit' && t.id === task.id));
        void this.record('campaign-visit', `专项走访 ${task.title}`, { note: note || undefined }, { taskId: task.id }).then(() => {
          const main = this.root.querySelector<HTMLElement>('.app-main');
          if (main && this.tab === 'tasks') {
            this.renderTasks(main);
          }
        });
      });
    } else if (task.kind === 'visit') {
      section.innerHTML = `<h3>${escapeHtml(task.title)}</h3>${due}${visitForm(task.id)}`;
      this.bindVisit(section);
    } else {
      const registry = task.kind === 're-register' ? 'population' : 'place';
      section.innerHTML = `<h3>${escapeHtml(task.title)}</h3>${due}<p>在「采集」中提交登记结果。<small>Record the result under Collect.</small></p>
        <button type="button" class="app-primary" data-action="collect-for">去采集 <small>Collect</small></button>`;
      section.querySelector('[data-action=collect-for]')!.addEventListener('click', () => {
        this.tab = 'collect';
        this.renderTab();
        const main = this.root.querySelector<HTMLElement>('.app-main')!;
        main.querySelector<HTMLSelectElement>('[name=registry]')!.value = registry;
        main.querySelector<HTMLSelectElement>('[name=action]')!.value = 'update';
        main.querySelector<HTMLInputElement>('[name=id]')!.value = task.id;
      });
    }
  }

  private renderReport(main: HTMLElement): void {
    const options = this.categories.length
      ? this.categories.map((c) => `<option value="${escapeHtml(c.code)}">${escapeHtml(c.name)}</option>`).join('')
      : '<option value="">（联网后加载类别 / categories load online）</option>';
    main.innerHTML = `
      <h2>事件上报 <small>Report a case</small></h2>
      <form class="app-form" data-form="report">
        <label>类别 <small>Category</small><select name="category">${options}</select></label>
        <label>紧急程度 <small>Urgency</small><select name="urgency"><option value="normal">一般 normal</option><option value="urgent">紧急 urgent</option></select></label>
        <label>描述 <small>Description</small><textarea name="description" rows="4" maxlength="2000" required></textarea></label>
        <label class="app-file">拍照 <small>Photos (up to 3)</small><input type="file" name="photos" accept="image/*" capture="environment" multiple /></label>
        <p class="app-hint" data-field="photos"></p>
        <p class="app-hint">位置取自本机定位（WGS-84）。<small>The position is the phone's (WGS-84).</small></p>
        <button type="submit" class="app-primary" data-action="report">保存并上报 <small>Report</small></button>
      </form>`;
    const form = main.querySelector<HTMLFormElement>('form')!;
    const input = form.querySelector<HTMLInputElement>('[name=photos]')!;
    input.addEventListener('change', () => {
      form.querySelector<HTMLElement>('[data-field=photos]')!.textContent = `${Math.min(3, input.files?.length ?? 0)} 张照片 photo(s)`;
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        const data = new FormData(form);
        const description = String(data.get('description') ?? '').trim();
        if (!description || !data.get('category')) {
          this.message('请填写类别和描述', 'Category and description are required');
          return;
        }
        const fix = await this.fix();
        if (!fix) {
          this.message('无法获取位置，请允许定位', 'No position: allow location access');
          return;
        }
        const photos: Blob[] = [];
        for (const file of Array.from(input.files ?? []).slice(0, 3)) {
          photos.push(await resizePhoto(file));
        }
        await this.record('incident', `上报 ${description.slice(0, 20)}`, {
          category: data.get('category'), urgency: data.get('urgency'), description, lat: fix.lat, lon: fix.lon,
        }, { photos });
        form.reset();
        form.querySelector<HTMLElement>('[data-field=photos]')!.textContent = '';
      })();
    });
  }

  private renderVisit(main: HTMLElement): void {
    main.innerHTML = `<h2>回访 <small>Visit a key person</small></h2>${visitForm('')}`;
    this.bindVisit(main);
  }

  private bindVisit(container: HTMLElement): void {
    const form = container.querySelector<HTMLFormElement>('form[data-form=visit]')!;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const keyPersonId = String(data.get('keyPersonId') ?? '').trim();
      if (!keyPersonId) {
        this.message('请填写回访对象', 'Whom did you visit?');
        return;
      }
      void this.record('visit', `回访 ${keyPersonId}`, {
        keyPersonId, outcome: data.get('outcome'), notes: String(data.get('notes') ?? '').trim() || undefined, visitedAt: new Date().toISOString(),
      });
      form.reset();
    });
  }

  private renderCollect(main: HTMLElement): void {
    main.innerHTML = `
      <h2>信息采集 <small>Collect for the registries</small></h2>
      <form class="app-form" data-form="collect">
        <label>登记簿 <small>Registry</small><select name="registry">
          ${['address:地址', 'population:人口', 'housing:房屋', 'organisation:单位', 'place:场所', 'component:部件'].map((r) => `<option value="${r.split(':')[0]}">${r.split(':')[1]} ${r.split(':')[0]}</option>`).join('')}
        </select></label>
        <label>操作 <small>Action</small><select name="action"><option value="create">新增 create</option><option value="update">变更 update</option><option value="end">注销 end</option></select></label>
        <label>记录编号 <small>Record id (update, end)</small><input name="id" autocomplete="off" /></label>
        <label>内容 <small>Fields, one "name=value" a line</small><textarea name="data" rows="5" placeholder="state=damaged"></textarea></label>
        <button type="submit" class="app-primary" data-action="collect">保存并提交 <small>Submit</small></button>
      </form>`;
    const form = main.querySelector<HTMLFormElement>('form')!;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const fields = Object.fromEntries(String(data.get('data') ?? '').split('\n').map((l) => l.trim()).filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
      const id = String(data.get('id') ?? '').trim();
      void this.record('collection', `采集 ${data.get('registry')} ${data.get('action')}`, {
        registry: data.get('registry'), action: data.get('action'), ...(id ? { id } : {}), data: fields, at: new Date().toISOString(),
      });
      form.reset();
    });
  }

  private renderCheckIn(main: HTMLElement): void {
    main.innerHTML = `<h2>报到 <small>Check in</small></h2><p>按时报到；无网络时先保存，恢复后按报到时间发送。<small>Offline check-ins count at their own time.</small></p>
      <button type="button" class="app-primary" data-action="check-in">现在报到 <small>Check in now</small></button>`;
    main.querySelector('[data-action=check-in]')!.addEventListener('click', () => void this.record('check-in', '报到 check-in', { at: new Date().toISOString() }));
  }

  private renderMore(main: HTMLElement): void {
    main.innerHTML = `
      <h2>设置 <small>Settings</small></h2>
      <p>设备 <small>Device</small> <code data-field="deviceId">${escapeHtml(this.device.deviceId)}</code> · ${escapeHtml(this.device.kind)}</p>
      <form class="app-form" data-form="settings">
        <label>上班时位置间隔（秒） <small>Position interval on duty (s)</small><input type="number" name="interval" min="10" max="3600" step="1" /></label>
        <p class="app-hint">坐标系 <small>Coordinates</small>: WGS-84（浏览器定位 · browser geolocation，coordSystem=wgs84）</p>
        <button type="submit" data-action="save-settings">保存 <small>Save</small></button>
      </form>
      <div class="app-row"><button type="button" class="app-primary" data-action="send">立即发送 <small>Send now</small></button></div>
      <h3>待发送 <small>Waiting</small></h3><ul class="app-list" data-list="waiting"></ul>
      <h3>被拒绝 <small>Refused</small></h3><ul class="app-list" data-list="failed"></ul>
      <button type="button" class="app-danger" data-action="sign-out">退出登记 <small>Sign out</small></button>`;
    const form = main.querySelector<HTMLFormElement>('form')!;
    void this.intervalSeconds().then((s) => (form.querySelector<HTMLInputElement>('[name=interval]')!.value = String(s)));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const seconds = Math.round(Number(new FormData(form).get('interval')));
      if (!(seconds >= 10 && seconds <= 3600)) {
        this.message('间隔为 10 至 3600 秒', 'The interval is 10 to 3600 seconds');
        return;
      }
      void this.kv.set('interval', seconds).then(() => {
        if (this.onDuty) {
          this.startPositions();
        }
        this.message('已保存', 'Saved');
      });
    });
    main.querySelector('[data-action=send]')!.addEventListener('click', () => void this.flush());
    main.querySelector('[data-action=sign-out]')!.addEventListener('click', () => this.close());
    void this.renderQueueLists();
  }

  private async renderQueueLists(): Promise<void> {
    const main = this.root.querySelector<HTMLElement>('.app-main')!;
    const waiting = main.querySelector<HTMLElement>('[data-list=waiting]');
    const failed = main.querySelector<HTMLElement>('[data-list=failed]');
    if (!waiting || !failed) {
      return;
    }
    const [items, refused] = await Promise.all([this.queue.pending(), this.queue.failed()]);
    waiting.innerHTML = items.slice(0, 100).map((i) => `<li data-id="${escapeHtml(i.opId)}">${escapeHtml(i.label)} <time>${escapeHtml(new Date(i.at).toLocaleTimeString('zh-CN'))}</time></li>`).join('')
      || '<li class="app-empty">无 <small>None</small></li>';
    failed.innerHTML = refused.map((i) => `<li data-id="${escapeHtml(i.opId)}">${escapeHtml(i.label)} — ${i.status}: ${escapeHtml(i.reason)}</li>`).join('')
      || '<li class="app-empty">无 <small>None</small></li>';
  }

  private message(zh: string, en: string): void {
    const el = this.root.querySelector<HTMLElement>('[data-field=message]');
    if (el) {
      el.hidden = false;
      el.innerHTML = `${escapeHtml(zh)} <small>${escapeHtml(en)}</small>`;
    }
  }
}

function visitForm(keyPersonId: string): string {
  return `<form class="app-form" data-form="visit">
      <label>回访对象编号 <small>Key person id</small><input name="keyPersonId" value="${escapeHtml(keyPersonId)}" autocomplete="off" /></label>
      <label>结果 <small>Outcome</small><select name="outcome"><option value="met">见到本人 met</option><option value="concern">有异常 concern</option><option value="absent">未见到 absent</option></select></label>
      <label>记录 <small>Notes</small><textarea name="notes" rows="3"></textarea></label>
      <button type="submit" class="app-primary" data-action="visit">保存回访 <small>Record visit</small></button>
    </form>`;
}
