/**
 * The Explorer's keyboard shortcuts: the page-wide ones (outside text fields) and the help that
 * lists them with the tree's own keys (arrows, Home, Enter: tree.ts).
 */
import { h, isTextField } from '../dom';

export interface KeyActions {
  focusSearch(): void;
  fit(): void;
  stepRound(dir: 1 | -1): void;
  /** n: opens the note editor; false when there is no tree (the key is left alone). */
  openNote(): boolean;
  whyWrong(): void;
  toggleTruth(): void;
  toggleLegend(): void;
  /** Escape: closes an editor, else dismisses the errors; false when there was nothing to close. */
  escape(): boolean;
  /** Enter with the focus in the tree. */
  openOverride(): void;
  inTree(target: EventTarget | null): boolean;
}

/** The page's keydown handler. */
export function explorerKeys(a: KeyActions): (ev: KeyboardEvent) => void {
  const handle = (ev: KeyboardEvent): boolean => {
    switch (ev.key) {
      case '/':
        a.focusSearch();
        return true;
      case 'f':
        a.fit();
        return true;
      case '[':
        a.stepRound(-1);
        return true;
      case ']':
        a.stepRound(1);
        return true;
      case 'n':
        return a.openNote();
      case 'w':
        a.whyWrong();
        return true;
      case 't':
        a.toggleTruth();
        return true;
      case 'l':
      case '?':
        a.toggleLegend();
        return true;
      case 'Escape':
        return a.escape();
      case 'Enter':
        if (!a.inTree(ev.target)) return false;
        a.openOverride();
        return true;
      default:
        return false;
    }
  };
  return (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || isTextField(ev.target)) return;
    if (handle(ev)) ev.preventDefault();
  };
}

/** The ⌨ help: every shortcut, the tree's included. */
export function keysHelp(): HTMLElement {
  const keys: [string, string][] = [
    ['click', 'select'], ['↑ ↓', 'siblings'], ['← →', 'collapse / expand, parent / child'], ['double-click', 'expand (HCH)'],
    ['Enter', 'override'], ['n', 'note'], ['w', 'why is this wrong?'], ['/', 'search'], ['f', 'fit'], ['[ ]', 'rounds'], ['t', 'truth (blind mode)'], ['l or ?', 'legend'], ['Esc', 'close'],
  ];
  return h('details', { cls: 'keys-help' },
    h('summary', { text: '⌨', attrs: { 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts' } }),
    h('dl', {}, ...keys.flatMap(([k, v]) => [h('dt', {}, h('kbd', { text: k })), h('dd', { text: v })])),
  );
}
