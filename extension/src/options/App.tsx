import { AgentSection } from './AgentSection.tsx';
import { CrmSection } from './CrmSection.tsx';
import { DryRunSection } from './DryRunSection.tsx';
import { HoursSection } from './HoursSection.tsx';
import { ProviderSection } from './ProviderSection.tsx';
import { RelaySection } from './RelaySection.tsx';
import { ReplaySection } from './ReplaySection.tsx';
import { SitesSection } from './SitesSection.tsx';

export function App() {
  return (
    <main style="max-width: 760px; margin: 24px auto; padding: 0 16px">
      <h1>Phone Connector</h1>
      <p class="hint">Click to call from your CRM, and see incoming calls in it. Settings stay on this computer.</p>
      <RelaySection />
      <AgentSection />
      <ProviderSection />
      <HoursSection />
      <CrmSection />
      <SitesSection />
      <DryRunSection />
      <ReplaySection />
    </main>
  );
}
