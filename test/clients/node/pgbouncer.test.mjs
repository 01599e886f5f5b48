// node-postgres with the npm pgvector package through pgbouncer in
// transaction pooling mode (scripts/test-clients starts it; its port is in
// PGBOUNCER_PORT). Parameterized queries use the extended protocol with the
// unnamed statement, which transaction pooling supports; a named (prepared)
// statement is only safe inside one transaction with pgbouncer 1.18, since
// the next transaction may run on another server connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pgvector from 'pgvector/pg';

const port = Number(process.env.PGBOUNCER_PORT);
const client = new pg.Client({ port });

before(async () => {
  assert.ok(port > 0, 'PGBOUNCER_PORT is set');
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vecdb');
  await pgvector.registerTypes(client);
  await client.query('DROP TABLE IF EXISTS pooled_node');
  await client.query('CREATE TABLE pooled_node (id int PRIMARY KEY, embedding vector(3))');
  await client.query(
    'INSERT INTO pooled_node SELECT i, ARRAY[10 * sin(i), 10 * cos(i * 1.3), 10 * sin(i * 0.7)]::vector '
    + 'FROM generate_series(1, 300) i');
  await client.query('CREATE INDEX ON pooled_node USING flat (embedding)');
});

after(async () => {
  await client.query('DROP TABLE IF EXISTS pooled_node');
  await client.end();
});

// Ids of the k nearest rows by a sequential scan + sort.
async function exactIds(query, k) {
  await client.query('BEGIN');
  await client.query('SET LOCAL enable_indexscan = off');
  const { rows } = await client.query(
    'SELECT id FROM pooled_node ORDER BY embedding <-> $1 LIMIT $2', [pgvector.toSql(query), k]);
  await client.query('COMMIT');
  return rows.map((r) => r.id);
}

test('parameterized searches through the pool use the index and are exact', async () => {
  for (const query of [[3, 4, 5], [0, 0, 0], [9, 29, 12]]) {
    const expected = await exactIds(query, 10);
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    await client.query("SET LOCAL vecdb.scan_threads = 1");
    const plan = await client.query(
      'EXPLAIN (COSTS OFF) SELECT id FROM pooled_node ORDER BY embedding <-> $1 LIMIT 10', [pgvector.toSql(query)]);
    assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using/);
    const { rows } = await client.query(
      'SELECT id, embedding FROM pooled_node ORDER BY embedding <-> $1 LIMIT 10', [pgvector.toSql(query)]);
    await client.query('COMMIT');
    assert.deepEqual(rows.map((r) => r.id), expected);
    assert.equal(rows[0].embedding.length, 3);
  }
  const { rows } = await client.query("SELECT current_setting('vecdb.scan_threads') AS v");
  assert.equal(rows[0].v, '2', 'SET LOCAL ended with its transaction');
});

test('a named statement is reused within one transaction', async () => {
  const expected = await exactIds([5, 5, 5], 4);
  await client.query('BEGIN');
  for (const k of [4, 2]) {
    const { rows } = await client.query({
      name: 'vecdb_knn',
      text: 'SELECT id FROM pooled_node ORDER BY embedding <-> $1 LIMIT $2',
      values: [pgvector.toSql([5, 5, 5]), k],
    });
    assert.deepEqual(rows.map((r) => r.id), expected.slice(0, k));
  }
  await client.query('DEALLOCATE vecdb_knn');
  await client.query('COMMIT');
});

test('inserts with pgvector.toSql through the pool are found', async () => {
  await client.query('INSERT INTO pooled_node VALUES ($1, $2)', [1000, pgvector.toSql([100, 100, 100])]);
  const { rows } = await client.query(
    'SELECT id FROM pooled_node ORDER BY embedding <-> $1 LIMIT 1', [pgvector.toSql([99, 99, 99])]);
  assert.equal(rows[0].id, 1000);
});
