import type { ConsolePage } from './context';
import { homePage } from './pages/home';
import { keyPersonsPage } from './pages/keyPersons';
import { devicesPage } from './pages/devices';
import { auditPage } from './pages/audit';

// The console's pages in the nav's order; each lives in pages/<name>.ts. The first the caller may see opens by default.
export const consolePages: ConsolePage[] = [
  homePage,
  keyPersonsPage, devicesPage, auditPage,
];
