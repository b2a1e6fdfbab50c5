import browser from 'webextension-polyfill';
import { awayForLock, awaySince, awayUntil, connectionStatus, enabledSites, keepPresence, lastSeq, missedCalls, relayNumber, relaySettings } from '../storage.ts';
import { showBadge } from './badge.ts';
import { CallRateLimit } from './call-rate-limit.ts';
import { CALL_SELECTION_COMMAND, callSelection } from './call-selection.ts';
import { OutboundCalls } from './calls.ts';
import { CrmDispositions } from './crm-dispositions.ts';
import { injectIntoOpenTabs, syncContentScripts } from './content-scripts.ts';
import { IncomingCalls } from './incoming.ts';
import { LockAway } from './lock-away.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { RelaySocket } from '../relay/relay-socket.ts';
import { routeRelayEvents } from './relay-events.ts';
import { handleRequests } from './requests.ts';

const MENU_ID = 'pc-call-selection';

/** The service worker: relay connection, calls, incoming popups, content script registration. */
export function startBackground(): void {
  const outbound = new OutboundCalls();
  let socket: RelaySocket | undefined;

  const lockAway = new LockAway(async () => new RelayApi(await relaySettings.getValue()));
  browser.idle.onStateChanged.addListener((state) => void lockAway.onStateChanged(state));

  const incoming = new IncomingCalls();
  const handleEvent = routeRelayEvents(incoming, outbound);
  browser.notifications.onClicked.addListener((id) => void incoming.onNotificationClicked(id));

  const connect = async () => {
    socket?.stop();
    socket = undefined;
    const relay = await relaySettings.getValue();
    if (!relay.url || !relay.token) {
      await connectionStatus.setValue({ state: 'not-configured', since: Date.now() });
      return;
    }
    socket = new RelaySocket({
      url: relay.url,
      token: relay.token,
      loadSeq: () => lastSeq.getValue(),
      onWelcome: async (seq) => {
        // Who this agent is at the relay may have changed while it was away (an admin's edit).
        void new RelayApi(relay).me().then(
          (me) => Promise.all([relayNumber.setValue(me.number), keepPresence(me)]),
          () => undefined,
        );
        // An unlock the relay could not be told of is told now.
        void browser.idle.queryState(60).then((state) => lockAway.settle(state));
        const stored = await lastSeq.getValue();
        if (stored === null || stored > seq) await lastSeq.setValue(seq);
      },
      onEvent: handleEvent,
      onAgent: async (agent) => {
        await keepPresence(agent);
        // Made available elsewhere while this computer was locked: unlocking it has nothing to undo.
        if (agent.away_since === null) await awayForLock.setValue(false);
      },
      onState: (state, detail) => void connectionStatus.setValue({ state, detail, since: Date.now() }),
      tokenRefused: () => new RelayApi(relay).tokenRefused(),
    });
    socket.start();
  };

  const syncSites = async () => {
    const sites = await enabledSites.getValue();
    const granted = await syncContentScripts(sites);
    await browser.contextMenus.removeAll();
    if (granted.length) {
      browser.contextMenus.create({ id: MENU_ID, title: 'Call "%s"', contexts: ['selection'], documentUrlPatterns: granted });
    }
    return granted;
  };

  browser.runtime.onMessage.addListener(handleRequests(outbound, new CallRateLimit(), new CrmDispositions()));

  browser.contextMenus.onClicked.addListener((info, tab) => {
    if (info.menuItemId === MENU_ID && info.selectionText) void outbound.placeSelection(info.selectionText, tab?.id);
  });
  browser.commands.onCommand.addListener((command, tab) => {
    if (command === CALL_SELECTION_COMMAND && tab?.id !== undefined) void callSelection(outbound, tab.id);
  });

  const refreshBadge = async () =>
    showBadge(await connectionStatus.getValue(), (await missedCalls.getValue()).unseen.length, (await awaySince.getValue()) === null ? undefined : { until: await awayUntil.getValue() });
  connectionStatus.watch(() => void refreshBadge());
  missedCalls.watch(() => void refreshBadge());
  awaySince.watch(() => void refreshBadge());
  awayUntil.watch(() => void refreshBadge());
  relaySettings.watch(async (next, previous) => {
    if (next.url !== previous?.url || next.token !== previous?.token) await lastSeq.setValue(null);
    await connect();
  });
  enabledSites.watch(async () => {
    const granted = await syncSites();
    await injectIntoOpenTabs(granted);
  });

  // MV3 stops idle workers; the socket's 20 s ping keeps this one alive while connected, and
  // this alarm brings the connection back after the browser suspended the worker anyway.
  browser.alarms.create('pc-keepalive', { periodInMinutes: 1 });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === 'pc-keepalive') socket ? socket.ensureConnected() : void connect();
  });

  void (async () => {
    await refreshBadge();
    await syncSites();
    await connect();
  })();
}
