// The meterhub HTTP/JSON API (docs/api.md) as the dashboard uses it.
// The token is entered once on the login screen and kept in localStorage.

const TOKEN_KEY = 'meterhub.token';

export function token(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}
export function setToken(t: string | null): void {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

export async function get<T>(path: string, tok: string | null = token()): Promise<T> {
  return call<T>('GET', path, undefined, tok);
}

/** POST a JSON body; the answer (2xx) as T, else an ApiError with the API's detail. */
export async function post<T>(path: string, body: unknown): Promise<T> {
  return call<T>('POST', path, body, token());
}

/** PATCH a JSON body (a change of the archive); as post. */
export async function patch<T>(path: string, body: unknown): Promise<T> {
  return call<T>('PATCH', path, body, token());
}

async function call<T>(method: string, path: string, body: unknown, tok: string | null): Promise<T> {
  const headers: Record<string, string> = tok ? { Authorization: 'Bearer ' + tok } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/api/v1/' + path,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) {
    let detail = r.statusText;
    try {
      const j = await r.json();
      detail = j.detail || j.error || detail;
    } catch {
      /* not JSON: keep the status text */
    }
    // The kept token was revoked: back to the login screen (not while trying a new one).
    if (r.status === 401 && tok === token()) window.dispatchEvent(new Event('meterhub:unauthorized'));
    throw new ApiError(r.status, detail);
  }
  return (await r.json()) as T;
}

export interface Page<T> { items: T[]; next: number | null }

/** Every page of a listing (limit 1000 per request), at most max rows. */
export async function all<T>(path: string, max = 20000): Promise<T[]> {
  const out: T[] = [];
  let after = 0;
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const p = await get<Page<T>>(`${path}${sep}limit=1000&after=${after}`);
    out.push(...p.items);
    if (p.next === null || out.length >= max) return out;
    after = p.next;
  }
}

export interface Terminal {
  id: number; region: string; address: string; kind: string; protocol: string;
  channel_group: string; active: boolean; points: number; online: boolean | null; since: string | null;
}
export interface Link { id: number; time: string; online: boolean; reason: string | null }
export interface Meter {
  id: number; address: string; protocol: string; phases: number; ct: number; pt: number;
  rated_voltage_v: number; contract_w: number; tariff: string; pv: boolean; customer: string;
  area: string | null; area_meter: boolean; active: boolean; terminal: number; pn: number;
}
/** A customer (GET /customers/{code} adds its meters). */
export interface Customer { id: number; code: string; name: string | null; class: string; meters: number }
export interface CustomerWithMeters extends Omit<Customer, 'meters'> { meters: Meter[] }
/** A measurement point: id = terminal x 4096 + pn. */
export interface Point {
  id: number; terminal: number; pn: number; region: string; terminal_address: string;
  terminal_protocol: string; meter: number; meter_address: string; protocol: string;
  area: string | null; customer: string | null; active: boolean;
}
export interface Reading { t: number; time: string; value: string; quality: string }
export interface Series { item: string; name: string; unit: string; readings: Reading[]; next_from: number | null }
export interface Readings { meter: number; series: Series[] }
export interface RateGroup {
  key: string; meters: number; collected: number; failed: number; never_tried: number; rate_percent: string | null;
}
export interface Rates {
  day: string; class: string; group: string; groups: RateGroup[];
  total: { meters: number; collected: number; failed: number };
}
export interface Failures { day: string; class: string; reasons: { code: number; reason: string; count: number }[] }
export interface Event {
  id: number; meter: number | null; terminal: number | null; code: number; start: string; end: string | null;
  payload: unknown;
}

/** The OBIS codes the pages read. */
export const ITEM = {
  AE_IMP: '1.0.1.8.0', // active energy import (+A), kWh
  P: '1.0.1.7.0', // active power total, kW
  U_L1: '1.0.32.7.0', // voltage L1, V
  I_L1: '1.0.31.7.0', // current L1, A
};

export function readings(meter: number, items: string[], from: number, to: number, limit = 10000) {
  return get<Readings>(`meters/${meter}/readings?item=${items.join(',')}&from=${from}&to=${to}&limit=${limit}`);
}

/** "YYYY-MM-DD" of a UTC day offset from today. */
export function utcDay(offset = 0): string {
  const d = new Date(Date.now() + offset * 86400000);
  return d.toISOString().slice(0, 10);
}
export function dayStart(offset = 0): number {
  return Math.floor(Date.now() / 86400000 + offset) * 86400;
}

/** An on-demand read's job (POST /reads, GET /jobs/{id}). */
export interface ReadValue { meter: number; item: string; name: string; value: string; unit: string; time: string }
export interface Job {
  id: number; href: string; status: 'running' | 'done' | 'failed'; values?: ReadValue[]; error?: string; code?: number;
}

/** Read a meter now through the station: the values (200), or the job polled until done (202). */
export async function readNow(meter: number, items: string[], waitMs = 10000, pollMs = 500,
  maxMs = 120000): Promise<ReadValue[]> {
  const tok = token();
  const r = await fetch('/api/v1/reads', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(tok ? { Authorization: 'Bearer ' + tok } : {}) },
    body: JSON.stringify({ meter, items, timeout_ms: waitMs }),
  });
  let j: Job & { detail?: string } = await r.json().catch(() => ({}) as Job);
  if (!r.ok && r.status !== 202) throw new ApiError(r.status, j.detail || r.statusText);
  const end = Date.now() + maxMs;
  while (j.status === 'running') {
    if (Date.now() > end) throw new ApiError(504, `job ${j.id} still running`);
    await new Promise((res) => setTimeout(res, pollMs));
    j = await get<Job>(`jobs/${j.id}`);
  }
  if (j.status === 'failed') throw new ApiError(j.code || 500, j.error || 'failed');
  return j.values || [];
}

/**
 * Live events from GET /stream (server-sent events read with fetch, which can send the
 * Authorization header EventSource cannot). Reconnects after the server's retry with
 * Last-Event-ID, so the server replays what was missed (or sends `reset`, passed on as
 * an event: reload what is shown); the returned function stops it. onState says whether
 * the stream is connected.
 */
export function subscribe(onEvent: (event: string, data: unknown) => void,
  onState: (connected: boolean) => void = () => {}): () => void {
  const ctl = new AbortController();
  let stopped = false;
  let lastId = '';
  const run = async () => {
    while (!stopped) {
      try {
        const tok = token();
        const headers: Record<string, string> = tok ? { Authorization: 'Bearer ' + tok } : {};
        if (lastId) headers['Last-Event-ID'] = lastId;
        const r = await fetch('/api/v1/stream', { headers, signal: ctl.signal });
        if (!r.ok || !r.body) throw new ApiError(r.status, r.statusText);
        onState(true);
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let k;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            const ev = /^event: (.*)$/m.exec(block), data = /^data: (.*)$/m.exec(block);
            const id = /^id: (\d+)$/m.exec(block);
            if (id) lastId = id[1];
            if (ev && data) onEvent(ev[1], JSON.parse(data[1]));
          }
        }
      } catch {
        /* the station restarted or the network dropped: try again */
      }
      if (stopped) return;
      onState(false);
      await new Promise((res) => setTimeout(res, 3000));
    }
  };
  void run();
  return () => {
    stopped = true;
    ctl.abort();
  };
}

/** A load-management command (docs/api.md "Commands"). */
export interface CommandTarget { terminal: number; pn: number; result: string; detail: string; updated: string | null }
export interface Command {
  id: number; kind: string; state: 'pending' | 'sent' | 'finished' | 'refused' | 'cancelled';
  who: string; reason: string; confirmer: string | null; created: string; confirmed: string | null;
  finished: string | null; targets?: CommandTarget[];
}

/** DELETE with query arguments; the answer (2xx) as T, else an ApiError. */
export async function del<T>(path: string): Promise<T> {
  return call<T>('DELETE', path, undefined, token());
}

// Orderly-use plans (docs/api.md "Orderly-use plans").
export interface PlanCommand { id: number; state: string; result: string | null; detail: string | null }
export interface PlanUser {
  meter: number; customer: string; priority: number; terminal: number; state: string; pct: number;
  contract_w: number; current_w: number; expect_w: number; command: PlanCommand | null;
  release: PlanCommand | null; baseline_w: number | null; after_w: number | null; reduced_w: number | null;
  detail: string;
}
export interface Plan {
  id: number; name: string; who: string; area: string; state: string; reason?: string;
  confirmer?: string | null; ended_by?: string | null; target_w: number; from: string; to: string;
  created: string; started?: string | null; ended?: string | null; detail?: string; max_pct: number;
  expect_w: number; short_w: number; baseline_w: number | null; after_w: number | null;
  reduced_w: number | null; met: boolean | null; users?: PlanUser[];
}
// The protect list and prepaid accounts (docs/api.md "Commands").
export interface Protect { kind: string; ref: string; reason: string; added_by: string; added: string | null }
export interface Prepay {
  meter: number; balance_e4: number; warn_e4: number; state: string; settled_t: number;
  reg_e4: number[]; command: number | null; updated: string | null;
}
