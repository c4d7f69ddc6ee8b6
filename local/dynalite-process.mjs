// The embedded DynamoDB in a process of its own, so that the store never competes with the API
// and the scheduler for the event loop. Started by local/dynalite.ts with fork(); it reports its
// port over IPC and exits when its parent goes away.
import { createDynaliteServer } from './dynalite-server.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');

const server = createDynaliteServer(options.path);
let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
};
server.once('error', (err) => {
  process.send?.({ error: err.message });
  process.exit(1);
});
server.listen(options.port ?? 0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', () => {}); // the parent decides when to stop (Ctrl-C reaches the whole group)
process.on('message', (m) => {
  if (m === 'close') shutdown();
});
