// dynalite's HTTP server, with two repairs it needs to serve a desk for long:
// - dynalite turns each query's LevelDB iterator into a stream whose destroy() closes the iterator
//   through `iterator.return()`, which abstract-level 3 iterators do not have. Every query then left
//   its iterator open, attached to the database and pinning LevelDB's memory, so the store grew with
//   every read it served (the desk's load: hundreds of MB a minute). Giving the iterators the
//   `return()` the stream calls closes each one when its query is done.
// - every request reads its table's definition from LevelDB and parses it (a sixth of the store's
//   CPU under the desk's load). Definitions change only through createTable, updateTable and
//   deleteTable, which write them through the same sub-database: they are kept in memory, dropped
//   when written, and a read that raced a write is not kept.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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

/** Reads of a table definition that went to LevelDB, over every store of this process (what a test checks stays few). */
let tableReads = 0;
const dbModule = require(join(dirname(dynaliteMain), 'db', 'index.js'));
if (!dbModule.create.keepsTables) {
  const create = dbModule.create;
  dbModule.create = function (options) {
    const store = create(options);
    keepTables(store.tableDb);
    return store;
  };
  dbModule.create.keepsTables = true;
}

function keepTables(tableDb) {
  const kept = new Map();
  let writes = 0;
  const { get, put, del } = tableDb;
  tableDb.get = (name, cb) => {
    const json = kept.get(name);
    if (json !== undefined) return process.nextTick(cb, null, JSON.parse(json));
    const seen = writes;
    tableReads++;
    get.call(tableDb, name, (err, table) => {
      if (!err && table && seen === writes) kept.set(name, JSON.stringify(table));
      cb(err, table);
    });
  };
  const written = (method) => (name, ...rest) => {
    const cb = rest.pop();
    writes++;
    kept.delete(name);
    method.call(tableDb, name, ...rest, (...args) => {
      writes++;
      kept.delete(name);
      cb(...args);
    });
  };
  tableDb.put = written(put);
  tableDb.del = written(del);
}

/** How many table definitions were read from LevelDB in this process. */
export const tableDefinitionReads = () => tableReads;

/** How many LevelDB iterators are open in this process. */
export const openIterators = () => open;

/** A dynalite server (not listening yet): tables created, updated and deleted at once; in memory, or under `path`. */
export function createDynaliteServer(path) {
  const dynalite = require(dynaliteMain);
  return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
}
