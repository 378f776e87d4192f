/**
 * The task sandbox process's entry (dist/task-sandbox.js, started by src/engine/task-sandbox.ts for
 * the Explorer, Check Decomposition and `amplify check`): the engine's sandbox (load and check a
 * task file) answering the Explorer's computations too (explorer/task-views.ts). It sits here, not
 * in the engine, because those computations build the webview's views (src/protocol). No vscode
 * here or in anything it imports: this is plain Node.
 */
import { serveTaskSandbox } from '../engine/task-sandbox-serve';
import { TASK_VIEWS } from './explorer/task-views';

serveTaskSandbox(TASK_VIEWS);
