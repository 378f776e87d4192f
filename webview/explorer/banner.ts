/**
 * The error banner: the latest error with its detail, the earlier ones (up to 5 in all) listed
 * below it, each dismissable; an error that says where it is (a user task that failed to
 * compile) offers to open the file there.
 */
import type { WebviewMessage } from '../../src/protocol/explorer';
import { button, h, iconButton, setChildren } from '../dom';
import { icon } from '../icons';

/** Where an error is (the banner offers to open it). */
export interface ErrorPlace {
  file?: string;
  line?: number;
  column?: number;
}

interface ErrorEntry extends ErrorPlace {
  id: number;
  message: string;
  detail?: string;
}

export class Banner {
  readonly el = h('div', { cls: 'banners', attrs: { 'aria-live': 'assertive' } });
  private errors: ErrorEntry[] = [];
  private seq = 0;

  /** `post`: for "Open file:line". */
  constructor(private post: (m: WebviewMessage) => void) {}

  add(message: string, detail?: string, place: ErrorPlace = {}): void {
    this.errors.push({ id: ++this.seq, message, detail, ...(place.file ? place : {}) });
    if (this.errors.length > 5) this.errors.shift();
    this.render();
  }

  /** Dismisses every error; false when there was none. */
  clear(): boolean {
    if (!this.errors.length) return false;
    this.errors = [];
    this.render();
    return true;
  }

  render(): void {
    const e = this.errors[this.errors.length - 1];
    if (!e) {
      setChildren(this.el);
      return;
    }
    const dismiss = iconButton('✕', this.errors.length > 1 ? 'Dismiss this error (the next one shows)' : 'Dismiss this error', () => {
      this.errors = this.errors.filter((x) => x.id !== e.id);
      this.render();
    });
    const earlier = this.errors.slice(0, -1).reverse();
    setChildren(this.el, h('div', { cls: 'banner error', attrs: { role: 'alert' } },
      icon('error'),
      h('div', { cls: 'banner-body' },
        h('div', { cls: 'banner-msg' }, h('span', { text: e.message }), this.openFileLink(e)),
        e.detail ? h('details', {}, h('summary', { text: 'Details' }), h('pre', { text: e.detail })) : null,
        earlier.length ? h('details', { cls: 'earlier' }, h('summary', { text: `${earlier.length} earlier error${earlier.length > 1 ? 's' : ''}` }), h('ul', {}, ...earlier.map((x) => h('li', {}, x.detail ? `${x.message} — ${x.detail.split('\n')[0]}` : x.message, this.openFileLink(x))))) : null,
      ),
      earlier.length ? button('Dismiss all', 'Dismiss all errors', () => this.clear()) : null,
      dismiss,
    ));
  }

  /** "Open file:line" for an error that says where it is (posts `openFile`). */
  private openFileLink(e: ErrorEntry): HTMLElement | null {
    const file = e.file;
    if (!file) return null;
    const at = e.line !== undefined ? `:${e.line}` : '';
    const where = `${file}${at}${e.line !== undefined && e.column !== undefined ? `:${e.column}` : ''}`;
    return h('button', {
      cls: 'link open-file mono',
      text: `Open ${file}${at}`,
      attrs: { type: 'button', title: `Open ${where} in the editor`, 'aria-label': `Open ${file}${e.line !== undefined ? ` at line ${e.line}` : ''}` },
      on: { click: () => this.post({ type: 'openFile', file, ...(e.line !== undefined ? { line: e.line } : {}) }) },
    });
  }
}
