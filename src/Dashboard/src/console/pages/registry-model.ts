// The registries' vocabulary for the console's 基础信息 pages: the six registries' names, their fields' labels
// (docs/registries.md, "Columns"), which fields name another record (linked records), sources by name, import kinds
// and a job's progress in words. Pure functions, tested by registry-model.test.ts.

export type Registry = 'address' | 'population' | 'housing' | 'organisation' | 'place' | 'component';

export const registries: Registry[] = ['address', 'population', 'housing', 'organisation', 'place', 'component'];

export const registryNames: Record<Registry, [string, string]> = {
  address: ['标准地址', 'Addresses'],
  population: ['实有人口', 'Population'],
  housing: ['实有房屋', 'Housing'],
  organisation: ['实有单位', 'Organisations'],
  place: ['重点场所', 'Key places'],
  component: ['城市部件', 'City components'],
};

/** The aliases of the first drafts, as the API accepts them on input, to the contract's names. */
const aliases: Record<string, Registry> = { addresses: 'address', organisations: 'organisation', 'key-places': 'place', components: 'component' };

export function registryOf(slug: string | undefined | null): Registry | null {
  if (!slug) {
    return null;
  }
  const name = slug.toLowerCase();
  return (registries as string[]).includes(name) ? (name as Registry) : aliases[name] ?? null;
}

/** Every field of each registry in its file's order, with its zh-CN label and English label. */
export const fieldLabels: Record<Registry, [string, string, string][]> = {
  address: [['unitCode', '网格', 'Grid'], ['road', '街路巷', 'Road'], ['number', '门牌号', 'Number'], ['building', '楼栋', 'Building'], ['unit', '单元', 'Unit'], ['room', '户室', 'Room'], ['lat', '纬度', 'Latitude'], ['lon', '经度', 'Longitude']],
  population: [['unitCode', '网格', 'Grid'], ['name', '姓名', 'Name'], ['idNumber', '公民身份号码', 'ID number'], ['phone', '联系电话', 'Phone'], ['gender', '性别', 'Gender'], ['birthYear', '出生年份', 'Birth year'], ['addressId', '标准地址', 'Address'], ['residence', '人口类别', 'Residence'], ['registrationStart', '居住登记日期', 'Registered on'], ['registrationExpiry', '居住登记到期日期', 'Registration expires'], ['keyPersonId', '重点人员', 'Key person']],
  housing: [['unitCode', '网格', 'Grid'], ['addressId', '标准地址', 'Address'], ['use', '房屋使用情况', 'Use'], ['ownerId', '产权人', 'Owner'], ['tenantId', '承租人', 'Tenant']],
  organisation: [['unitCode', '网格', 'Grid'], ['name', '单位名称', 'Name'], ['kind', '单位类别', 'Kind'], ['licenceNumber', '营业执照号', 'Licence number'], ['addressId', '标准地址', 'Address']],
  place: [['unitCode', '网格', 'Grid'], ['name', '场所名称', 'Name'], ['kind', '场所类别', 'Kind'], ['civilDefence', '人防', 'Civil defence'], ['physicalDefence', '物防', 'Physical defence'], ['technicalDefence', '技防', 'Technical defence'], ['nextInspectionDue', '下次检查日期', 'Next inspection'], ['addressId', '标准地址', 'Address']],
  component: [['unitCode', '网格', 'Grid'], ['code', '部件编码', 'Code'], ['category', '部件类别', 'Category'], ['lat', '纬度', 'Latitude'], ['lon', '经度', 'Longitude'], ['state', '部件状态', 'State'], ['addressId', '标准地址', 'Address']],
};

/** Choices' names (the registries' values in zh-CN and English). */
export const choiceNames: Record<string, [string, string]> = {
  male: ['男', 'male'], female: ['女', 'female'], registered: ['户籍人口', 'registered'], floating: ['流动人口', 'floating'],
  'owner-occupied': ['自住', 'owner-occupied'], rented: ['出租', 'rented'], vacant: ['空置', 'vacant'],
  enterprise: ['企业', 'enterprise'], shop: ['个体商户', 'shop'], 'social-organisation': ['社会组织', 'social organisation'],
  'property-management': ['物业', 'property management'], 'residents-committee': ['居委会', 'residents\' committee'],
  school: ['学校', 'school'], hospital: ['医院', 'hospital'], market: ['市场', 'market'], compound: ['院落', 'compound'],
  met: ['达标', 'met'], partial: ['部分达标', 'partial'], unmet: ['未达标', 'unmet'],
  normal: ['完好', 'normal'], damaged: ['损坏', 'damaged'], missing: ['丢失', 'missing'], obstructed: ['占用', 'obstructed'],
};

export const sourceNames: Record<string, [string, string]> = {
  'civil-affairs': ['民政', 'civil affairs'], 'public-security': ['公安', 'public security'], community: ['社区', 'community'],
  'housing-authority': ['住建', 'housing authority'], 'market-regulator': ['市场监管', 'market regulator'],
  'urban-management': ['城管', 'urban management'], 'grid-worker': ['网格员采集', 'grid worker'], import: ['导入', 'import'],
};

/** A field's label in the language; an unknown field keeps its name. */
export function fieldLabel(registry: Registry, field: string, zh: boolean): string {
  const found = fieldLabels[registry].find(([name]) => name === field);
  return found ? (zh ? found[1] : found[2]) : field;
}

/** A field's value as words: choices by name, null as a dash, the rest as the API gave it (masked values stay masked). */
export function fieldText(value: unknown, zh: boolean): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  if (typeof value === 'string' && choiceNames[value]) {
    return zh ? choiceNames[value][0] : choiceNames[value][1];
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export interface LinkedRecord {
  field: string;
  /** The console route of the linked record: `registry/<registry>/<id>` or another page's. */
  route: string;
  id: string;
}

const links: Record<string, (id: string) => string> = {
  addressId: (id) => `registry/address/${id}`,
  ownerId: (id) => `registry/population/${id}`,
  tenantId: (id) => `registry/population/${id}`,
  keyPersonId: (id) => `key-persons/${id}`,
};

/** The records a record's fields name (a resident's address, a dwelling's owner and tenant, a key person's record). */
export function linkedRecords(fields: Record<string, unknown>): LinkedRecord[] {
  const found: LinkedRecord[] = [];
  for (const [field, route] of Object.entries(links)) {
    const id = fields[field];
    if (typeof id === 'string' && id !== '') {
      found.push({ field, route: route(id), id });
    }
  }
  return found;
}

/** What an upload may be: the city model's files and every registry's (docs/city-model.md). */
export const importKinds: [string, string, string][] = [
  ['divisions', '行政区划', 'Divisions'], ['map', '网格地图', 'Map'], ['workers', '网格员名册', 'Workers roster'], ['key-persons', '重点人员名册', 'Key persons roster'],
  ...registries.map((r): [string, string, string] => [r, registryNames[r][0], registryNames[r][1]]),
];

export interface ImportJob {
  id: string;
  kind: string;
  unit: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  fileName: string | null;
  submittedBy: string;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  rowsRead: number;
  accepted: number;
  rejected: number;
  errors: { line: number; field: string | null; reason: string }[];
  failure: string | null;
  changes: { added: number; updated: number; ended: number; unchanged: number } | null;
  source?: string | null;
}

export const jobStates: Record<ImportJob['state'], [string, string]> = {
  queued: ['排队中', 'Queued'], running: ['导入中', 'Running'], succeeded: ['已成功', 'Succeeded'], failed: ['已失败', 'Failed'],
};

/** Whether a job may still change (the page polls it while it does). */
export function jobRunning(job: Pick<ImportJob, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running';
}

/** A job's progress in one line: lines read, accepted and refused; once it has ended, what it changed. */
export function jobSummary(job: ImportJob, zh: boolean): string {
  const read = zh ? `已读 ${job.rowsRead} 行，通过 ${job.accepted}，拒绝 ${job.rejected}` : `${job.rowsRead} lines read, ${job.accepted} accepted, ${job.rejected} refused`;
  if (job.state !== 'succeeded' || !job.changes) {
    return read;
  }
  const c = job.changes;
  return read + (zh ? `；新增 ${c.added}，更新 ${c.updated}，终止 ${c.ended}，未变 ${c.unchanged}` : `; ${c.added} added, ${c.updated} updated, ${c.ended} ended, ${c.unchanged} unchanged`);
}

export const collectionStates: Record<string, [string, string]> = {
  pending: ['待审核', 'Pending'], approved: ['已通过', 'Approved'], rejected: ['已驳回', 'Rejected'],
};

export const collectionActions: Record<string, [string, string]> = {
  create: ['新增', 'Create'], update: ['变更', 'Update'], end: ['注销', 'End'],
};

/** What the caller may do to a collection record: a pending one is approved or rejected; a reviewed one is done. */
export function collectionReviewActions(state: string, canReview: boolean): ('approve' | 'reject')[] {
  return canReview && state === 'pending' ? ['approve', 'reject'] : [];
}
