// The 'vector' compatibility extension itself: it needs vecdb, CASCADE
// brings vecdb in, pgvector's SQL then works under pgvector's names, and
// dropping it leaves vecdb and the data alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from './db.mjs';

test('CREATE EXTENSION vector requires vecdb, CASCADE installs it', async () => {
  const admin = new pg.Client({ database: 'postgres' });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS vecdb_compat');
  await admin.query('CREATE DATABASE vecdb_compat');
  await admin.end();

  await assert.rejects(sql('vecdb_compat', 'CREATE EXTENSION vector'),
    { code: '42704', message: 'required extension "vecdb" is not installed' });
  await sql('vecdb_compat', 'CREATE EXTENSION IF NOT EXISTS vector CASCADE');
  assert.deepEqual(await sql('vecdb_compat', "SELECT extname FROM pg_extension WHERE extname IN ('vecdb', 'vector') ORDER BY 1"),
    [{ extname: 'vecdb' }, { extname: 'vector' }]);
  await sql('vecdb_compat', 'CREATE EXTENSION IF NOT EXISTS vector');  // what frameworks run: a no-op now

  await sql('vecdb_compat', "CREATE TABLE items AS SELECT 1 AS id, '[1,2,3]'::vector AS embedding");
  assert.deepEqual(await sql('vecdb_compat', "SELECT embedding <-> '[1,2,4]' AS d, vector_dims(embedding) AS n FROM items"),
    [{ d: 1, n: 3 }]);
  await sql('vecdb_compat', 'DROP EXTENSION vector');
  assert.deepEqual(await sql('vecdb_compat', 'SELECT count(*)::int AS n FROM items'), [{ n: 1 }]);
  assert.deepEqual(await sql('vecdb_compat', "SELECT extname FROM pg_extension WHERE extname IN ('vecdb', 'vector')"),
    [{ extname: 'vecdb' }]);
});
