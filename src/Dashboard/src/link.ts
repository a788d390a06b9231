import { HubConnection, HubConnectionBuilder, HttpTransportType, LogLevel } from '@microsoft/signalr';
import { EventCursor, type Cursor, type Envelope } from './cursor';
import type { LiveItem } from './live';
import { retryDelayMs } from './retry';
import type { Session } from './session';

export type LinkState = 'disconnected' | 'catching-up' | 'live';

export interface LinkHandlers {
  event(e: Envelope): void;
  live(items: LiveItem[]): void;
  state(state: LinkState): void;
}

interface SubscribeResult {
  cursor: Cursor;
  head?: Cursor;
}

/**
 * The screen's link to the hub (/hubs/ops): the official SignalR client over WebSockets, the token
 * from the session (refreshed before expiry), and a reconnect loop that never gives up. After every
 * (re)connect it subscribes with its cursor, so the server replays whatever was missed, in order.
 */
export class ScreenLink {
  private connection: HubConnection | null = null;
  private readonly cursor = new EventCursor();
  private attempt = 0;
  private stopped = false;
  private unit: string;
  private state: LinkState = 'disconnected';

  /** `hubUrl` is relative to the page: the wall screen at the root uses the default, the console (/console/) `../hubs/ops`. */
  constructor(private readonly session: Session, unit: string, private readonly handlers: LinkHandlers, private readonly hubUrl = 'hubs/ops') {
    this.unit = unit;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    void this.connection?.stop();
  }

  /** Watches another unit (drill-down) on the same connection, from the cursor already held. */
  async watch(unit: string): Promise<void> {
    const previous = this.unit;
    this.unit = unit;
    if (this.connection?.state === 'Connected') {
      await this.connection.invoke('Unsubscribe', previous);
      await this.subscribe();
    }
  }

  private setState(state: LinkState): void {
    if (state !== this.state) {
      this.state = state;
      this.handlers.state(state);
    }
  }

  private async connect(): Promise<void> {
    while (!this.stopped) {
      const connection = new HubConnectionBuilder()
        .withUrl(this.hubUrl, { accessTokenFactory: () => this.session.accessToken(), transport: HttpTransportType.WebSockets, skipNegotiation: true })
        .configureLogging(LogLevel.Warning)
        .build();
      connection.on('Event', (e: Envelope) => {
        if (this.cursor.accept(e)) {
          this.handlers.event(e);
        }
        this.checkCaughtUp();
      });
      connection.on('Watermark', (w: { districtCode: string; seq: number }) => {
        this.cursor.watermark(w.districtCode, w.seq);
        this.checkCaughtUp();
      });
      connection.on('Live', (batch: { items: LiveItem[] }) => this.handlers.live(batch.items));
      let established = false;
      connection.onclose(() => {
        this.setState('disconnected');
        if (established && !this.stopped) {
          setTimeout(() => void this.connect(), retryDelayMs(this.attempt++));
        }
      });
      try {
        // The server closes a connection whose token expired: start each one with a fresh token.
        await this.session.refresh().catch(() => undefined);
        await connection.start();
        established = true;
        this.connection = connection;
        await this.subscribe();
        this.attempt = 0;
        return;
      } catch {
        this.setState('disconnected');
        await connection.stop().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(this.attempt++)));
      }
    }
  }

  private async subscribe(): Promise<void> {
    this.setState('catching-up');
    const result = await this.connection!.invoke<SubscribeResult>('Subscribe', this.unit, this.cursor.cursor);
    this.cursor.started(result.cursor, result.head ?? result.cursor);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.state === 'catching-up' && this.cursor.caughtUp) {
      this.setState('live');
    }
  }
}
