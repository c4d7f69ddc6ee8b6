// dynalite's HTTP server, with the one repair it needs to run for long: dynalite turns each query's
// LevelDB iterator into a stream whose destroy() closes the iterator through `iterator.return()`,
// which abstract-level 3 iterators do not have. Every query then left its iterator open, attached
// to the database and pinning LevelDB's memory, so the store grew with every read it served (the
// desk's load: hundreds of MB a minute). Giving the iterators the `return()` the stream calls
// closes each one when its query is done.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);
const dynaliteMain = require.resolve('dynalite');
const abstractLevel = require(require.resolve('abstract-level', { paths: [dirname(dynaliteMain)] }));

/** Iterators open now, over every database of this process (what a test checks stays flat). */
let open = 0;
const iteratorBase = Object.getPrototypeOf(abstractLevel.AbstractIterator.prototype);
if (typeof iteratorBase.return !== 'function') {
  iteratorBase.return = async function () {
    await this.close();
    return { done: true, value: undefined };
  };
}
const isIterator = (resource) => resource instanceof iteratorBase.constructor;
const levelProto = abstractLevel.AbstractLevel.prototype;
if (!levelProto.attachResource.counted) {
  const attach = levelProto.attachResource;
  const detach = levelProto.detachResource;
  levelProto.attachResource = function (resource) {
    if (isIterator(resource)) open++;
    return attach.call(this, resource);
  };
  levelProto.detachResource = function (resource) {
    if (isIterator(resource)) open--;
    return detach.call(this, resource);
  };
  levelProto.attachResource.counted = true;
}

/** How many LevelDB iterators are open in this process. */
export const openIterators = () => open;

/** A dynalite server (not listening yet): tables created, updated and deleted at once; in memory, or under `path`. */
export function createDynaliteServer(path) {
  const dynalite = require(dynaliteMain);
  return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
}
