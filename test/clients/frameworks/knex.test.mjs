// Knex with the npm pgvector helpers (pgvector/knex) against vecdb with the
// 'vector' compatibility extension: enableExtension('vector'), a vector
// column from the schema builder, inserts with toSql, ORDER BY l2Distance /
// cosineDistance with a WHERE clause, through a vecdb flat index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Knex from 'knex';
import pgvector from 'pgvector/knex';
import { freshDatabase, DOCUMENTS, QUERIES, expectedTexts } from './db.mjs';

let knex;

before(async () => {
  const database = await freshDatabase('vecdb_knex');
  knex = Knex({ client: 'pg', connection: { database }, pool: { min: 1, max: 1 } });
});

after(async () => {
  await knex.destroy();
});

// Euclidean distance, computed here independently of the database.
function l2(a, b) {
  return Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
}

test('schema builder, inserts and nearest-neighbour queries', async () => {
  await knex.schema.enableExtension('vector');
  await knex.schema.createTable('knex_items', (table) => {
    table.integer('id').primary();
    table.string('kind');
    table.vector('embedding', 4);
  });
  await knex('knex_items').insert(DOCUMENTS.map((d) => ({ id: d.n, kind: d.kind, embedding: pgvector.toSql(d.embedding) })));
  await knex.raw('CREATE INDEX ON knex_items USING flat (embedding)');
  await knex.raw('CREATE INDEX ON knex_items USING flat (embedding vector_cosine_ops)');
  await knex.raw('SET enable_seqscan = off');  // one pooled connection: the setting stays

  const type = await knex.raw("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute "
    + "WHERE attrelid = 'knex_items'::regclass AND attname = 'embedding'");
  assert.equal(type.rows[0].t, 'vector(4)');

  for (const query of QUERIES) {
    const builder = knex('knex_items').select('id', 'embedding').orderBy(knex.l2Distance('embedding', query)).limit(5);
    const plan = await knex.raw(`EXPLAIN (COSTS OFF) ${builder.toString()}`);
    assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using knex_items_embedding_idx/);
    const rows = await builder;
    const expected = DOCUMENTS.map((d) => ({ n: d.n, dist: l2(d.embedding, query) }))
      .sort((x, y) => x.dist - y.dist).slice(0, 5).map((d) => d.n);
    assert.deepEqual(rows.map((r) => r.id), expected);
    assert.deepEqual(pgvector.fromSql(rows[0].embedding).map((x) => Math.fround(x)),
      DOCUMENTS[expected[0] - 1].embedding.map((x) => Math.fround(x)));

    const tools = await knex('knex_items').select('id').where('kind', 'tool')
      .orderBy(knex.cosineDistance('embedding', query)).limit(3);
    assert.deepEqual(tools.map((r) => `document ${r.id}`), expectedTexts(query, 3, (d) => d.kind === 'tool'));
  }
});
