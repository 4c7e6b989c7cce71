/**
 * newslit-recorder: a newslit answer form's clicks go straight into its cell's source.
 *
 * A form (newslit.widgets.Form) opens a comm on target `newslit.recorder` with the id of the
 * cell it runs in. Each time an answer changes the kernel sends the cell's new source (only the
 * `recorded=` value differs) and the source it expects the cell to hold; this extension applies
 * the difference to the notebook model, or refuses when the cell was edited meanwhile, and acks.
 * It also keeps keys pressed inside a form (type-ahead, arrows, Enter) out of notebook shortcuts.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

const TARGET = 'newslit.recorder';
const FORM = '.nl-form';

interface IOpen {
  cell_id?: string;
}

interface IWrite {
  seq: number;
  expected: string;
  source: string;
}

/** The model of the cell with this id in the panel's notebook, if any. */
function findCell(panel: NotebookPanel, cellId: string | undefined) {
  const cells = panel.content.model?.cells;
  if (!cells || !cellId) {
    return undefined;
  }
  for (let i = 0; i < cells.length; i++) {
    if (cells.get(i).id === cellId) {
      return cells.get(i);
    }
  }
  return undefined;
}

/** Replace only the part of `before` that differs from `after` (the cursor elsewhere stays put). */
function applyDifference(
  update: (start: number, end: number, value: string) => void,
  before: string,
  after: string
): void {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) {
    start++;
  }
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) {
    end++;
  }
  update(start, before.length - end, after.slice(start, after.length - end));
}

/** Answer one form's comm: say whether its cell is here, then apply each write or refuse it. */
function serveForm(panel: NotebookPanel, comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): void {
  const cellId = (msg.content.data as IOpen).cell_id;
  const found = findCell(panel, cellId);
  comm.send({ ready: found !== undefined && found.type === 'code' });
  comm.onMsg = (reply: KernelMessage.ICommMsgMsg) => {
    const write = reply.content.data as unknown as IWrite;
    const cell = findCell(panel, cellId);
    let reason = '';
    if (!cell) {
      reason = 'the cell is no longer in the notebook';
    } else if (cell.type !== 'code') {
      reason = 'the cell is no longer a code cell';
    } else if (cell.sharedModel.getSource() !== write.expected) {
      reason = 'the cell was edited since it ran';
    }
    if (cell && !reason) {
      const shared = cell.sharedModel;
      applyDifference((s, e, v) => shared.updateSource(s, e, v), write.expected, write.source);
    } else {
      console.warn(`newslit-recorder: answers not written into cell ${cellId}: ${reason}`);
    }
    comm.send({ seq: write.seq, ok: !reason, reason });
  };
}

/** A key pressed in a form has done its work in the form: the notebook must not act on it. */
function stopAtForm(event: KeyboardEvent): void {
  event.stopPropagation();
}

/**
 * Keep keys pressed in a form out of the notebook: mark the form (and the control a key lands on)
 * so Lumino runs no shortcut for them; stop them at the form, before the notebook (which, in edit
 * mode, would move the focus to the cell's editor); make the form focusable, so that a click on its
 * text keeps the keys in the form too.
 */
function keepKeysInForms(event: Event): void {
  const target = event.target;
  if (!(target instanceof HTMLElement)) {
    return;
  }
  const form = target.closest(FORM);
  if (!(form instanceof HTMLElement)) {
    return;
  }
  if (!form.hasAttribute('tabindex')) {
    form.tabIndex = -1;
    form.addEventListener('keydown', stopAtForm);
  }
  for (const node of [form, target]) {
    if (!node.hasAttribute('data-lm-suppress-shortcuts')) {
      node.setAttribute('data-lm-suppress-shortcuts', '');
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'newslit-recorder:plugin',
  description: "Writes a newslit form's answers into its cell on every click.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker) => {
    // Capture on window runs before the application's keydown handler (capture on document).
    window.addEventListener('keydown', keepKeysInForms, true);
    window.addEventListener('focusin', keepKeysInForms, true);
    window.addEventListener('mousedown', keepKeysInForms, true);
    tracker.widgetAdded.connect((_, panel) => {
      const register = (kernel: Kernel.IKernelConnection | null | undefined) =>
        kernel?.registerCommTarget(TARGET, (comm, msg) => serveForm(panel, comm, msg));
      register(panel.sessionContext.session?.kernel);
      panel.sessionContext.kernelChanged.connect((_, change) => register(change.newValue));
    });
  }
};

export default plugin;
