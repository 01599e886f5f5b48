// LangChain.js PGVectorStore (@langchain/community) against vecdb with the
// 'vector' compatibility extension: the store runs its own
// CREATE EXTENSION IF NOT EXISTS vector and CREATE TABLE, then add,
// similarity search with a metadata filter, and delete by id and by filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { freshDatabase, sql, DOCUMENTS, QUERIES, embeddingOf, expectedTexts, hasAccessMethod } from './db.mjs';

// Embeddings looked up from the fixed documents: the store is under test.
class FixedEmbeddings extends Embeddings {
  constructor() { super({}); }
  async embedDocuments(texts) { return texts.map(embeddingOf); }
  async embedQuery(text) { return embeddingOf(text); }
}

let database;
const stores = [];

// A store on the test database; extra connection options go to every session.
async function openStore(options = undefined) {
  const store = await PGVectorStore.initialize(new FixedEmbeddings(), {
    postgresConnectionOptions: { database, ...(options ? { options } : {}) },
    tableName: 'lc_docs',
    dimensions: 4,
    distanceStrategy: 'cosine',
  });
  stores.push(store);
  return store;
}

before(async () => {
  database = await freshDatabase('vecdb_langchain');
});

after(async () => {
  for (const store of stores) await store.end();
});

test('add, filtered similarity search, delete', async () => {
  const store = await openStore();
  assert.deepEqual(await sql(database, "SELECT extname FROM pg_extension WHERE extname IN ('vecdb', 'vector') ORDER BY 1"),
    [{ extname: 'vecdb' }, { extname: 'vector' }]);
  await store.addDocuments(
    DOCUMENTS.map((d) => new Document({ pageContent: d.text, metadata: { kind: d.kind, n: d.n } })),
    { ids: DOCUMENTS.map((d) => d.id) });
  assert.deepEqual(await sql(database, 'SELECT count(*)::int AS n FROM lc_docs'), [{ n: 12 }]);

  for (const query of QUERIES) {
    const all = await store.similaritySearchVectorWithScore(query, 5);
    assert.deepEqual(all.map(([doc]) => doc.pageContent), expectedTexts(query, 5));
    const fruit = await store.similaritySearchVectorWithScore(query, 4, { kind: 'fruit' });
    assert.deepEqual(fruit.map(([doc]) => doc.pageContent), expectedTexts(query, 4, (d) => d.kind === 'fruit'));
    assert.ok(fruit.every(([doc]) => doc.metadata.kind === 'fruit'));
    const big = await store.similaritySearchVectorWithScore(query, 3, { n: { gt: 6 } });
    assert.deepEqual(big.map(([doc]) => doc.pageContent), expectedTexts(query, 3, (d) => d.n > 6));
  }
  // similaritySearch embeds the query text with the store's embeddings
  const byText = await store.similaritySearch('document 5', 1);
  assert.equal(byText[0].pageContent, 'document 5');

  await store.delete({ ids: [DOCUMENTS[1].id, DOCUMENTS[2].id] });
  const gone = new Set([DOCUMENTS[1].text, DOCUMENTS[2].text]);
  for (const query of QUERIES) {
    const left = await store.similaritySearchVectorWithScore(query, 12);
    assert.deepEqual(left.map(([doc]) => doc.pageContent), expectedTexts(query, 12, (d) => !gone.has(d.text)));
  }
  await store.delete({ filter: { kind: 'tool' } });
  const fruitsOnly = await store.similaritySearchVectorWithScore(QUERIES[0], 12);
  assert.deepEqual(fruitsOnly.map(([doc]) => doc.pageContent),
    expectedTexts(QUERIES[0], 12, (d) => d.kind === 'fruit' && !gone.has(d.text)));
});

test('searches through a vecdb flat index give the same answers', async () => {
  await sql(database, 'CREATE INDEX lc_docs_flat ON lc_docs USING flat (embedding vector_cosine_ops)');
  const store = await openStore('-c enable_seqscan=off');
  const plan = await store.pool.query(
    'EXPLAIN (COSTS OFF) SELECT *, "embedding" <=> $1 AS "_distance" FROM lc_docs ORDER BY "_distance" LIMIT 3',
    ['[1,0,0,0]']);
  assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using lc_docs_flat/);
  const left = DOCUMENTS.filter((d) => d.kind === 'fruit' && d.n !== 2 && d.n !== 3);
  for (const query of QUERIES) {
    const found = await store.similaritySearchVectorWithScore(query, 3, { kind: 'fruit' });
    assert.deepEqual(found.map(([doc]) => doc.pageContent), expectedTexts(query, 3, (d) => left.includes(d)));
  }
});

// createHnswIndex issues CREATE INDEX ... USING hnsw (...) WITH (m, ef_construction)
// and only logs a failure; check what it did against what this vecdb has.
test('createHnswIndex makes an hnsw index exactly when vecdb has the hnsw access method', async () => {
  const store = stores[0];
  const errors = [];
  const original = console.error;
  console.error = (...args) => errors.push(args.join(' '));
  try {
    await store.createHnswIndex({ dimensions: 4 });
  } finally {
    console.error = original;
  }
  const made = await sql(database, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'embedding_embedding_hnsw_idx'");
  if (await hasAccessMethod(database, 'hnsw')) {
    assert.deepEqual(errors, []);
    assert.equal(made[0].n, 1);
  } else {
    assert.equal(made[0].n, 0);
    assert.match(errors.join('\n'), /access method "hnsw" does not exist/);
  }
});
