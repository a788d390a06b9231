import type { ConsolePage } from './context';
import { casesPage } from './pages/cases';
import { homePage } from './pages/home';
import { collectionsPage } from './pages/collections';
import { importsPage } from './pages/imports';
import { registryPage } from './pages/registry';
import { keyPersonsPage } from './pages/keyPersons';
import { devicesPage } from './pages/devices';
import { auditPage } from './pages/audit';
import { rulesPage } from './pages/rules';
import { operatorsPage } from './pages/operators';
import { releasesPage } from './pages/releases';
import { correctionsPage } from './pages/corrections';
import { notificationsPage } from './pages/notifications';
import { assessmentPage } from './pages/assessment';
import { categoriesPage } from './pages/categories';
import { departmentsPage } from './pages/departments';
import { schedulesPage } from './pages/schedules';
import { machineClientsPage } from './pages/machineClients';
import { drillsPage, mediationsPage, paperPage, propertyCompaniesPage, responsibilityPage } from './pages/supervision';
import { campaignsPage } from './pages/campaigns';

// The console's pages in the nav's order; each lives in pages/<name>.ts. The first the caller may see opens by default.
export const consolePages: ConsolePage[] = [
  homePage,
  casesPage,
  registryPage, collectionsPage, importsPage,
  keyPersonsPage, devicesPage, auditPage,
  rulesPage, operatorsPage,
  notificationsPage,
  assessmentPage, categoriesPage, departmentsPage, schedulesPage, machineClientsPage,
  mediationsPage, drillsPage, campaignsPage, paperPage, responsibilityPage, propertyCompaniesPage,
];
// Issue 29's supervision workflows (docs/supervision.md).
consolePages.push(correctionsPage, releasesPage);

// 异地移交 (hand-overs), 网格员 (workers and their tracks), 系统 (the cluster, the event log): pages/handOvers.ts, workers.ts, system.ts.
import { handOversPage } from './pages/handOvers';
import { workersPage } from './pages/workers';
import { systemPage } from './pages/system';
consolePages.push(handOversPage, workersPage, systemPage);

// 告警 and 静默 (pages/alerts.ts, pages/silences.ts), after 事件 in the nav.
import { alertsPage } from './pages/alerts';
import { silencesPage } from './pages/silences';
consolePages.splice(consolePages.indexOf(casesPage) + 1, 0, alertsPage, silencesPage);
