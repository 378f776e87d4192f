/**
 * The sandbox process (dist/task-sandbox.js, started by task-sandbox.ts): loads one task file and
 * answers calls about it, one at a time, over the IPC channel. Whatever the task's code does —
 * loop, exit, exhaust memory — happens in this process only; the host sees it as a timeout, an
 * exit or out-of-memory.
 */
import { checkCall, findTask, taskMeta, type SandboxReply, type SandboxRequest } from './task-sandbox-calls';
import { TaskLoadError, resolveTasks, type LoadedTask } from './task-loader';
import { TASK_VIEWS, taskView } from './task-views';

if (!process.send) throw new Error('task-sandbox-main runs as a child process with an IPC channel (see task-sandbox.ts)');
process.setSourceMapsEnabled(true);
const send = (reply: SandboxReply): void => {
  process.send!(reply);
};
// The host went away: nothing is left to answer.
process.on('disconnect', () => process.exit(0));

let loaded: LoadedTask[] | undefined;

async function answer(req: SandboxRequest): Promise<unknown> {
  switch (req.call) {
    case 'load':
      loaded = await resolveTasks(req.args.task);
      return loaded.map(taskMeta);
    case 'check': {
      if (!loaded) throw new Error(`'check' before 'load'`);
      return checkCall(findTask(loaded, req.args.task), req.args.options, (done, total) => send({ id: req.id, type: 'progress', done, total }));
    }
    case 'view': {
      if (!loaded) throw new Error(`'view' before 'load'`);
      const { name, args } = req.args;
      if (!Object.hasOwn(TASK_VIEWS, name)) throw new Error(`no view '${String(name)}'`);
      return taskView(findTask(loaded, req.args.task).task, name, args as never);
    }
  }
}

// One call at a time, in order.
let queue: Promise<void> = Promise.resolve();
process.on('message', (req: SandboxRequest) => {
  queue = queue.then(async () => {
    try {
      send({ id: req.id, type: 'result', result: await answer(req) });
    } catch (e) {
      if (e instanceof TaskLoadError) send({ id: req.id, type: 'load-error', message: e.message, file: e.file, line: e.line, column: e.column });
      else send({ id: req.id, type: 'error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
    }
  });
});
