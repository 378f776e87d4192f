/**
 * The host API (`acquireVsCodeApi`) and the view state the webview persists with setState: the
 * selected pin and round, and per pin the open/closed nodes, the selection and the zoom transform.
 */
import { parseWebviewMessage, type WebviewMessage } from '../../src/protocol/explorer';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export interface PinState {
  /**
   * Explicit open (true) / closed (false) per node key, for the subtrees the host sent; other nodes
   * follow the default depth. Which nodes the host opened on request is not kept here: each tree
   * says so itself (`NodeView.opened`).
   */
  open: Record<string, boolean>;
  selected: string;
  transform: Transform | null;
}

export interface ViewState {
  v: 1;
  pin: string | null;
  round: number | null;
  hideTruth: boolean;
  chartsOpen: boolean;
  pins: Record<string, PinState>;
  /** Most recently used pins last (the oldest are dropped past 30). */
  pinOrder: string[];
}

export const emptyPinState = (): PinState => ({ open: {}, selected: '', transform: null });
const fresh = (): ViewState => ({ v: 1, pin: null, round: null, hideTruth: false, chartsOpen: true, pins: {}, pinOrder: [] });

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Reads a persisted state defensively (an old or damaged state must not break the view). */
export function restoreState(raw: unknown): ViewState {
  const s = fresh();
  if (!isObj(raw) || raw.v !== 1) return s;
  if (typeof raw.pin === 'string') s.pin = raw.pin;
  if (isNum(raw.round)) s.round = raw.round;
  s.hideTruth = raw.hideTruth === true;
  s.chartsOpen = raw.chartsOpen !== false;
  if (isObj(raw.pins)) {
    for (const [pin, p] of Object.entries(raw.pins)) {
      if (!isObj(p)) continue;
      const ps = emptyPinState();
      if (isObj(p.open)) for (const [k, v] of Object.entries(p.open)) if (typeof v === 'boolean' && /^(\d+(\.\d+)*)?$/.test(k)) ps.open[k] = v;
      if (typeof p.selected === 'string' && /^(\d+(\.\d+)*)?$/.test(p.selected)) ps.selected = p.selected;
      const t = p.transform;
      if (isObj(t) && isNum(t.x) && isNum(t.y) && isNum(t.k) && t.k > 0) ps.transform = { x: t.x, y: t.y, k: t.k };
      s.pins[pin] = ps;
    }
  }
  if (Array.isArray(raw.pinOrder)) s.pinOrder = raw.pinOrder.filter((p): p is string => typeof p === 'string' && p in s.pins);
  return s;
}

export class Host {
  private api: VsCodeApi | null;
  state: ViewState;
  private saveTimer: number | undefined;

  constructor(onError: (message: string) => void) {
    let api: VsCodeApi | null = null;
    try {
      api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
    } catch (e) {
      onError(`acquireVsCodeApi failed: ${String(e)}`);
    }
    this.api = api;
    this.onError = onError;
    let raw: unknown;
    try {
      raw = api?.getState();
    } catch {
      raw = undefined;
    }
    this.state = restoreState(raw);
  }

  private onError: (message: string) => void;

  /** Validates and posts a message to the host; returns the reason when it is invalid. */
  post(m: WebviewMessage): string | null {
    const checked = parseWebviewMessage(m);
    if (!checked.ok) return checked.error;
    this.api?.postMessage(checked.value);
    return null;
  }

  pinState(pin: string | null): PinState {
    const id = pin ?? '';
    let p = this.state.pins[id];
    if (!p) {
      p = emptyPinState();
      this.state.pins[id] = p;
    }
    const order = this.state.pinOrder.filter((x) => x !== id);
    order.push(id);
    while (order.length > 30) delete this.state.pins[order.shift()!];
    this.state.pinOrder = order;
    return p;
  }

  /** Saves now. */
  save(): void {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    try {
      this.api?.setState(this.state);
    } catch (e) {
      this.onError(`could not save the view state: ${String(e)}`);
    }
  }

  /** Saves soon (coalesces bursts such as zoom events). */
  saveSoon(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = window.setTimeout(() => this.save(), 150);
  }
}
