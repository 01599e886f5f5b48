// LlamaIndex.TS PGVectorStore (@llamaindex/postgres) against vecdb with the
// 'vector' compatibility extension: the store connects, runs its own
// CREATE EXTENSION IF NOT EXISTS vector and creates its table, then add,
// query with a metadata filter (cosine, ORDER BY distance), and delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PGVectorStore } from '@llamaindex/postgres';
import { Document } from '@llamaindex/core/schema';
import { FilterOperator } from '@llamaindex/core/vector-store';
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import { freshDatabase, sql, DOCUMENTS, QUERIES, embeddingOf, expectedTexts } from './db.mjs';

// Embeddings looked up from the fixed documents: the store is under test.
class FixedEmbedding extends BaseEmbedding {
  async getTextEmbedding(text) { return embeddingOf(text); }
}

let database;
let store;

before(async () => {
  database = await freshDatabase('vecdb_llamaindex');
  store = new PGVectorStore({
    clientConfig: { database }, dimensions: 4, tableName: 'li_docs', embedModel: new FixedEmbedding(),
  });
});

after(async () => {
  if (store.isDBConnected) await (await store.client()).close();
});

// Texts of the query's answer, in order.
async function search(query, k, filters = undefined) {
  const result = await store.query({ queryEmbedding: query, similarityTopK: k, filters, mode: 'default' });
  return result.nodes.map((node) => node.text);
}

test('add, filtered query, delete', async () => {
  const ids = await store.add(DOCUMENTS.map((d) => new Document({
    id_: d.id, text: d.text, metadata: { kind: d.kind, n: d.n }, embedding: d.embedding,
  })));
  assert.deepEqual([...ids].sort(), DOCUMENTS.map((d) => d.id).sort());
  assert.deepEqual(await sql(database, "SELECT extname FROM pg_extension WHERE extname IN ('vecdb', 'vector') ORDER BY 1"),
    [{ extname: 'vecdb' }, { extname: 'vector' }]);
  assert.deepEqual(await sql(database, "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute "
    + "WHERE attrelid = 'li_docs'::regclass AND attname = 'embeddings'"), [{ t: 'vector(4)' }]);

  const fruit = { filters: [{ key: 'kind', value: 'fruit', operator: FilterOperator.EQ }] };
  const small = { filters: [{ key: 'n', value: 5, operator: FilterOperator.LTE }] };
  for (const query of QUERIES) {
    assert.deepEqual(await search(query, 5), expectedTexts(query, 5));
    assert.deepEqual(await search(query, 4, fruit), expectedTexts(query, 4, (d) => d.kind === 'fruit'));
    assert.deepEqual(await search(query, 3, small), expectedTexts(query, 3, (d) => d.n <= 5));
  }

  await store.delete(DOCUMENTS[0].id);
  await store.delete(DOCUMENTS[4].id);
  const left = (d) => d.n !== 1 && d.n !== 5;
  for (const query of QUERIES) {
    assert.deepEqual(await search(query, 12), expectedTexts(query, 12, left));
  }

  // the same answers through a vecdb flat index on the store's table
  await sql(database, 'CREATE INDEX li_docs_flat ON li_docs USING flat (embeddings vector_cosine_ops)');
  const db = await store.client();
  await db.query('SET enable_seqscan = off');
  const plan = await db.query(
    'EXPLAIN (COSTS OFF) SELECT v.*, embeddings <=> $1 s FROM public.li_docs v ORDER BY s LIMIT 3', ['[1,0,0,0]']);
  assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using li_docs_flat/);
  for (const query of QUERIES) {
    assert.deepEqual(await search(query, 4, fruit), expectedTexts(query, 4, (d) => d.kind === 'fruit' && left(d)));
  }
});
