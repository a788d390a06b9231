// Simplified Chinese by default, English by a switch; numbers, percentages and times in the locale,
// always in Asia/Shanghai time (the city's time, wherever the browser is).

export type Language = 'zh' | 'en';

const strings = {
  zh: {
    title: '网格化服务管理 · 监管大屏',
    signIn: '登录',
    username: '用户名',
    password: '密码',
    signInFailed: '用户名或密码错误',
    signOut: '退出',
    connected: '已连接',
    catchingUp: '正在同步',
    disconnected: '连接中断',
    workersOnline: '在线网格员',
    workersOnDuty: '在岗网格员',
    incidentsOpen: '在办事件',
    incidentsOverdue: '超期事件',
    onTimeClosureRate: '按期办结率',
    closureRate: '结案率',
    reworkRate: '返工率',
    extensionRate: '延期率',
    satisfactionRate: '满意率',
    reopenRate: '重办率',
    keyPersonsAbnormal: '重点人员异常',
    alertsCritical: '严重告警',
    alertsWarning: '一般告警',
    alertsInfo: '提示',
    residentsToReRegister: '流动人口待续登记',
    keyPlacesOverdue: '重点场所检查逾期',
    alertFeed: '实时告警',
    noAlerts: '暂无告警',
    acknowledge: '签收',
    acknowledgedBy: '已签收',
    supervised: '督办',
    pipeline: '事件办理流程',
    ranking: '按期办结率排名',
    map: '辖区态势',
    children: '下级单位（需关注）',
    back: '返回上级',
    drill: '演练',
    campaigns: '专项整治进度',
    stages: { reported: '上报', accepted: '受理', dispatched: '派遣', 'in-progress': '处置', handled: '待核查' } as Record<string, string>,
    severities: { critical: '严重', warning: '一般', info: '提示' } as Record<string, string>,
    levels: { city: '市', district: '区', street: '街道', community: '社区', grid: '网格' } as Record<string, string>,
    language: 'English',
  },
  en: {
    title: 'Grid Governance · Supervision Wall',
    signIn: 'Sign in',
    username: 'Username',
    password: 'Password',
    signInFailed: 'Wrong username or password',
    signOut: 'Sign out',
    connected: 'Live',
    catchingUp: 'Catching up',
    disconnected: 'Disconnected',
    workersOnline: 'Workers online',
    workersOnDuty: 'Workers on duty',
    incidentsOpen: 'Open cases',
    incidentsOverdue: 'Overdue cases',
    onTimeClosureRate: 'On-time closure',
    closureRate: 'Closure rate',
    reworkRate: 'Rework rate',
    extensionRate: 'Extension rate',
    satisfactionRate: 'Satisfaction',
    reopenRate: 'Reopened',
    keyPersonsAbnormal: 'Key persons abnormal',
    alertsCritical: 'Critical alerts',
    alertsWarning: 'Warnings',
    alertsInfo: 'Info',
    residentsToReRegister: 'Floating residents to re-register',
    keyPlacesOverdue: 'Key places overdue for inspection',
    alertFeed: 'Live alerts',
    noAlerts: 'No alerts',
    acknowledge: 'Acknowledge',
    acknowledgedBy: 'Acknowledged',
    supervised: 'Escalated',
    pipeline: 'Cases by stage',
    ranking: 'On-time closure ranking',
    map: 'Area overview',
    children: 'Units below (needing attention)',
    back: 'Up one level',
    drill: 'Drill',
    campaigns: 'Campaigns by grid',
    stages: { reported: 'Reported', accepted: 'Accepted', dispatched: 'Dispatched', 'in-progress': 'In progress', handled: 'To verify' } as Record<string, string>,
    severities: { critical: 'Critical', warning: 'Warning', info: 'Info' } as Record<string, string>,
    levels: { city: 'City', district: 'District', street: 'Street', community: 'Community', grid: 'Grid' } as Record<string, string>,
    language: '中文',
  },
};

export type Strings = (typeof strings)['zh'];

export function texts(language: Language): Strings {
  return strings[language];
}

const languageKey = 'opscentre.language';

/** The language last chosen on this browser (localStorage), Simplified Chinese until one is. */
export function savedLanguage(): Language {
  return (localStorage.getItem(languageKey) as Language) ?? 'zh';
}

export function saveLanguage(language: Language): void {
  localStorage.setItem(languageKey, language);
}

const locales: Record<Language, string> = { zh: 'zh-CN', en: 'en-GB' };
export const cityTimeZone = 'Asia/Shanghai';

export function formatNumber(value: number | null | undefined, language: Language): string {
  return value == null ? '—' : new Intl.NumberFormat(locales[language]).format(value);
}

/** A rate 0..1 as a percentage with one decimal; null (nothing to divide by) as a dash. */
export function formatRate(rate: number | null | undefined, language: Language): string {
  return rate == null ? '—' : new Intl.NumberFormat(locales[language], { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rate);
}

/** Wall clock: date, weekday and time in the city's time zone. */
export function formatClock(at: Date, language: Language): string {
  return new Intl.DateTimeFormat(locales[language], {
    timeZone: cityTimeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(at);
}

/** An event's time on the feed: hours, minutes and seconds in the city's time zone. */
export function formatTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(locales[language], { timeZone: cityTimeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso));
}
