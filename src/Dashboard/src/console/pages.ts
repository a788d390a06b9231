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
import { assessmentPage } from './pages/assessment';
import { categoriesPage } from './pages/categories';
import { departmentsPage } from './pages/departments';
import { schedulesPage } from './pages/schedules';
import { machineClientsPage } from './pages/machineClients';

// The console's pages in the nav's order; each lives in pages/<name>.ts. The first the caller may see opens by default.
export const consolePages: ConsolePage[] = [
  homePage,
  casesPage,
  registryPage, collectionsPage, importsPage,
  keyPersonsPage, devicesPage, auditPage,
  rulesPage, operatorsPage,
  assessmentPage, categoriesPage, departmentsPage, schedulesPage, machineClientsPage,
];
