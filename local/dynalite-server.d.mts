import type { Server } from 'node:http';

/** How many table definitions were read from LevelDB in this process (the rest are answered from memory). */
export function tableDefinitionReads(): number;
/** How many LevelDB iterators are open in this process. */
export function openIterators(): number;
/** A dynalite server (not listening yet): tables created, updated and deleted at once; in memory, or under `path`. */
export function createDynaliteServer(path?: string): Server;
