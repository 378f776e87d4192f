/**
 * The sandbox process's side (dist/task-sandbox.js, started by task-sandbox.ts): loads one task
 * file and answers calls about it, one at a time, over the IPC channel. Whatever the task's code
 * does — loop, exit, exhaust memory — happens in this process only; the host sees it as a
 * timeout, an exit or out-of-memory.
 *
 * The bundle's entry (src/extension/task-sandbox-main.ts) calls serveTaskSandbox with the table of
 * computations `view` answers: the Explorer's, which build protocol views and so sit above the
 * engine.
 */
import { checkCall, findTask, taskMeta, type SandboxReply, type SandboxRequest, type ViewTable } from './task-sandbox-calls';
import { TaskLoadError, resolveTasks, type LoadedTask } from './task-loader';

/** Answers the host's calls in this process, `view` by `views`. */
export function serveTaskSandbox(views: ViewTable): void {
  if (!process.send) throw new Error('the task sandbox runs as a child process with an IPC channel (see task-sandbox.ts)');
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
        if (!Object.hasOwn(views, name)) throw new Error(`no view '${String(name)}'`);
        return views[name](findTask(loaded, req.args.task).task, args as never);
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
}
