import { type Backend, type Tx, transaction } from '../db.ts';
import { statement } from '../sql/client.ts';
import { asDate } from '../sql/values.ts';
import type { PubsubAffiliation, PubsubItemRecord, PubsubNodeRecord, PubsubRepository } from '../types.ts';
import { requireAccount } from './require-account.ts';
import type { Run } from './run.ts';

const toNode = (row: { name: string; config: string; createdAt: Date }): PubsubNodeRecord => ({
  node: row.name,
  config: row.config,
  createdAt: row.createdAt,
});

const toItem = (row: { itemId: string; payload: string; publisher: string; publishedAt: Date }): PubsubItemRecord => ({
  id: row.itemId,
  payload: row.payload,
  publisher: row.publisher,
  publishedAt: row.publishedAt,
});

/** Deletes the oldest items of a node beyond `maxItems`; returns their ids. */
async function trimNode(tx: Tx, owner: string, node: string, maxItems: number): Promise<string[]> {
  const stale = await tx.pubsubItem.findMany({
    where: { owner, node },
    orderBy: { seq: 'desc' },
    skip: Math.max(0, maxItems),
    select: { itemId: true },
  });
  if (stale.length === 0) return [];
  const ids = stale.map((row) => row.itemId);
  await tx.pubsubItem.deleteMany({ where: { owner, node, itemId: { in: ids } } });
  return ids;
}

const GET_NODE = statement('pubsub.getNode', 'SELECT "config", "created_at" FROM "pubsub_nodes" WHERE "owner" = $1 AND "name" = $2');

export function pubsubRepository(backend: Backend, run: Run): PubsubRepository {
  const { db, sql } = backend;
  const nodeKey = (owner: string, node: string) => ({ owner_name: { owner, name: node } });
  return {
    getNode: (owner, node) =>
      run('pubsub.getNode', async () => {
        const row = await sql.get<{ config: string; created_at: unknown }>(GET_NODE, [owner, node]);
        return row ? { node, config: row.config, createdAt: asDate(row.created_at) } : null;
      }),

    listNodes: (owner) =>
      run('pubsub.listNodes', async () => {
        const rows = await db.pubsubNode.findMany({ where: { owner } });
        // Sorted here, not in SQL, so both backends agree whatever the collation.
        return rows.map(toNode).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
      }),

    createNode: (owner, node, config, maxNodes) =>
      run('pubsub.createNode', () =>
        transaction(db, async (tx) => {
          // With the account locked, concurrent creates count one after another.
          await requireAccount(backend, tx, owner);
          if (await tx.pubsubNode.findUnique({ where: nodeKey(owner, node), select: { name: true } })) return 'exists' as const;
          if ((await tx.pubsubNode.count({ where: { owner } })) >= maxNodes) return 'limit' as const;
          await tx.pubsubNode.create({ data: { owner, name: node, config, createdAt: new Date() } });
          return 'created' as const;
        }),
      ),

    setConfig: (owner, node, config) =>
      run('pubsub.setConfig', async () => {
        const { count } = await db.pubsubNode.updateMany({ where: { owner, name: node }, data: { config } });
        return count > 0;
      }),

    deleteNode: (owner, node) =>
      run('pubsub.deleteNode', async () => {
        // Items, subscriptions and affiliations go with it (foreign keys cascade).
        const { count } = await db.pubsubNode.deleteMany({ where: { owner, name: node } });
        return count > 0;
      }),

    publish: (owner, node, item, maxItems) =>
      run('pubsub.publish', () =>
        transaction(db, async (tx) => {
          if (!(await backend.lockAccount(tx, owner))) return null;
          const counter = await tx.pubsubNode.updateMany({ where: { owner, name: node }, data: { itemSeq: { increment: 1 } } });
          if (counter.count === 0) return null;
          const { itemSeq: seq } = await tx.pubsubNode.findUniqueOrThrow({ where: nodeKey(owner, node), select: { itemSeq: true } });
          const data = { payload: item.payload, publisher: item.publisher, publishedAt: new Date(), seq };
          await tx.pubsubItem.upsert({
            where: { owner_node_itemId: { owner, node, itemId: item.id } },
            create: { owner, node, itemId: item.id, ...data },
            update: data,
          });
          return trimNode(tx, owner, node, maxItems);
        }),
      ),

    items: (owner, node, options = {}) =>
      run('pubsub.items', async () => {
        const rows = await db.pubsubItem.findMany({
          where: { owner, node, ...(options.ids ? { itemId: { in: options.ids } } : {}) },
          orderBy: { seq: 'desc' },
          ...(options.max !== undefined ? { take: Math.max(0, options.max) } : {}),
        });
        return rows.map(toItem);
      }),

    retract: (owner, node, id) =>
      run('pubsub.retract', async () => {
        const { count } = await db.pubsubItem.deleteMany({ where: { owner, node, itemId: id } });
        return count > 0;
      }),

    purge: (owner, node) =>
      run('pubsub.purge', async () => {
        const { count } = await db.pubsubItem.deleteMany({ where: { owner, node } });
        return count;
      }),

    trim: (owner, node, maxItems) => run('pubsub.trim', () => transaction(db, (tx) => trimNode(tx, owner, node, maxItems))),

    subscribers: (owner, node) =>
      run('pubsub.subscribers', async () => {
        const rows = await db.pubsubSubscription.findMany({ where: { owner, node }, select: { jid: true } });
        return rows.map((row) => row.jid).sort();
      }),

    subscriptionsOf: (owner, jid) =>
      run('pubsub.subscriptionsOf', async () => {
        const rows = await db.pubsubSubscription.findMany({ where: { owner, jid }, select: { node: true } });
        return rows.map((row) => row.node).sort();
      }),

    subscribe: (owner, node, jid) =>
      run('pubsub.subscribe', () =>
        transaction(db, async (tx) => {
          if (!(await tx.pubsubNode.findUnique({ where: nodeKey(owner, node), select: { name: true } }))) return false;
          await tx.pubsubSubscription.upsert({
            where: { owner_node_jid: { owner, node, jid } },
            create: { owner, node, jid, createdAt: new Date() },
            update: {},
          });
          return true;
        }),
      ),

    unsubscribe: (owner, node, jid) =>
      run('pubsub.unsubscribe', async () => {
        const { count } = await db.pubsubSubscription.deleteMany({ where: { owner, node, jid } });
        return count > 0;
      }),

    affiliations: (owner, node) =>
      run('pubsub.affiliations', async () => {
        const rows = await db.pubsubAffiliation.findMany({ where: { owner, node } });
        return rows
          .map((row) => ({ jid: row.jid, affiliation: row.affiliation as PubsubAffiliation }))
          .sort((a, b) => (a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0));
      }),

    setAffiliation: (owner, node, jid, affiliation) =>
      run('pubsub.setAffiliation', () =>
        transaction(db, async (tx) => {
          if (!(await tx.pubsubNode.findUnique({ where: nodeKey(owner, node), select: { name: true } }))) return false;
          if (affiliation === 'none') {
            await tx.pubsubAffiliation.deleteMany({ where: { owner, node, jid } });
            return true;
          }
          await tx.pubsubAffiliation.upsert({
            where: { owner_node_jid: { owner, node, jid } },
            create: { owner, node, jid, affiliation },
            update: { affiliation },
          });
          return true;
        }),
      ),

    forgetJid: (bareJid) =>
      run('pubsub.forgetJid', () =>
        transaction(db, async (tx) => {
          const matching = { OR: [{ jid: bareJid }, { jid: { startsWith: `${bareJid}/` } }] };
          await tx.pubsubSubscription.deleteMany({ where: matching });
          await tx.pubsubAffiliation.deleteMany({ where: matching });
        }),
      ),
  };
}
