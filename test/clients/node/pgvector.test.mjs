// vecdb through node-postgres and the npm pgvector package, unchanged: the
// package's type parsers and toSql, the binary form checked byte for byte,
// sparse vectors, a nearest-neighbour query through the flat index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pgvector from 'pgvector/pg';
import { SparseVector } from 'pgvector';

const client = new pg.Client();  // PGHOST/PGPORT/PGUSER/PGDATABASE from scripts/test-clients

before(async () => {
  await client.connect();
  await client.query('DROP TABLE IF EXISTS node_items');
  await client.query('CREATE EXTENSION IF NOT EXISTS vecdb');
  await pgvector.registerTypes(client);
  await client.query('CREATE TABLE node_items (id int PRIMARY KEY, embedding vector(3), half halfvec(3), sparse sparsevec(5))');
});

after(async () => {
  await client.query('DROP TABLE IF EXISTS node_items');
  await client.end();
});

test('vectors round-trip through pgvector.toSql and the registered parsers', async () => {
  await client.query('INSERT INTO node_items VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)', [
    1, pgvector.toSql([1, 2, 3]), pgvector.toSql([0.5, 1.5, -2]), pgvector.toSql(new SparseVector({ 0: 1, 4: 2.5 }, 5)),
    2, pgvector.toSql([1.25, -0.5, 1e-3]), pgvector.toSql([4, 5, 6]), pgvector.toSql(new SparseVector([0, 0, 3, 0, 0])),
  ]);
  const { rows } = await client.query('SELECT id, embedding, half, sparse FROM node_items ORDER BY id');
  assert.deepEqual(rows[0].embedding, [1, 2, 3]);
  assert.deepEqual(rows[0].half, [0.5, 1.5, -2]);
  assert.equal(rows[0].sparse.dimensions, 5);
  assert.deepEqual(rows[0].sparse.indices, [0, 4]);
  assert.deepEqual(rows[0].sparse.values, [1, 2.5]);
  assert.deepEqual(rows[1].embedding, [1.25, -0.5, 0.001]);
  assert.deepEqual(rows[1].sparse.toArray(), [0, 0, 3, 0, 0]);
});

// node-postgres reads every result as text, so the binary form is fetched
// as the bytea the types' send functions put on the wire.
test('the binary wire format is pgvector\'s byte layout', async () => {
  const result = await client.query(
    "SELECT vector_send('[1,-2,0.5]') AS v, halfvec_send('[1,-2,0.5]') AS h, sparsevec_send('{2:3,4:-1}/6') AS s");
  const { v, h, s } = result.rows[0];
  assert.equal(v.readInt16BE(0), 3);
  assert.equal(v.readInt16BE(2), 0);
  assert.deepEqual([v.readFloatBE(4), v.readFloatBE(8), v.readFloatBE(12)], [1, -2, 0.5]);
  assert.equal(h.length, 4 + 3 * 2);
  assert.deepEqual([h.readUInt16BE(4), h.readUInt16BE(6), h.readUInt16BE(8)], [0x3c00, 0xc000, 0x3800]);
  assert.deepEqual([s.readInt32BE(0), s.readInt32BE(4), s.readInt32BE(8)], [6, 2, 0]);
  assert.deepEqual([s.readInt32BE(12), s.readInt32BE(16)], [1, 3]);
  assert.deepEqual([s.readFloatBE(20), s.readFloatBE(24)], [3, -1]);
});

test('nearest neighbours through the flat index match the seq scan', async () => {
  await client.query('CREATE INDEX ON node_items USING flat (embedding vector_l2_ops)');
  const values = [];
  for (let i = 3; i < 203; i++) values.push(`(${i}, '[${Math.sin(i)},${Math.cos(i)},${i % 7}]')`);
  await client.query(`INSERT INTO node_items (id, embedding) VALUES ${values.join(',')}`);
  const query = 'SELECT id, embedding <-> $1 AS d FROM node_items ORDER BY embedding <-> $1 LIMIT 5';
  await client.query('SET enable_seqscan = off');
  const plan = await client.query(`EXPLAIN ${query}`, [pgvector.toSql([0.1, 0.2, 3])]);
  assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using/);
  const viaIndex = await client.query(query, [pgvector.toSql([0.1, 0.2, 3])]);
  await client.query('SET enable_seqscan = on; SET enable_indexscan = off');
  const viaSeq = await client.query(query, [pgvector.toSql([0.1, 0.2, 3])]);
  await client.query('RESET enable_seqscan; RESET enable_indexscan');
  assert.equal(viaIndex.rows.length, 5);
  assert.deepEqual(viaIndex.rows, viaSeq.rows);
});

test('bad input is a clean error with its SQLSTATE', async () => {
  await assert.rejects(client.query("SELECT '[1,NaN]'::vector"), (e) => e.code === '22P02');
  await assert.rejects(client.query('SELECT $1::vector(2)', [pgvector.toSql([1, 2, 3])]), (e) => e.code === '22000');
  const { rows } = await client.query('SELECT 1 AS alive');
  assert.equal(rows[0].alive, 1);
});
