// Shared by the framework tests: a fresh database per test file with vecdb
// created once (the one step a pgvector user replaces with vecdb), the
// deterministic documents and their embeddings, and the exact answer.
import pg from 'pg';

// Drops and recreates database `name` with vecdb in it; returns its name.
export async function freshDatabase(name) {
  const admin = new pg.Client({ database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = new pg.Client({ database: name });
  await db.connect();
  await db.query('CREATE EXTENSION vecdb');
  await db.end();
  return name;
}

// Runs one query on database `name` with its own connection.
export async function sql(name, text, values = []) {
  const db = new pg.Client({ database: name });
  await db.connect();
  try {
    return (await db.query(text, values)).rows;
  } finally {
    await db.end();
  }
}

// Twelve documents in two kinds; 4-d embeddings with distinct directions.
export const DOCUMENTS = Array.from({ length: 12 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  text: `document ${i + 1}`,
  kind: i % 3 === 0 ? 'tool' : 'fruit',
  n: i + 1,
  embedding: [Math.cos(i * 0.45), Math.sin(i * 0.45), 0.3 + 0.05 * i, 1 / (i + 2)],
}));

// The embedding of a document's text; unknown text is a test bug.
export function embeddingOf(text) {
  const doc = DOCUMENTS.find((d) => d.text === text);
  if (!doc) throw new Error(`no embedding for ${JSON.stringify(text)}`);
  return doc.embedding;
}

// Cosine distance, computed here independently of the database.
export function cosineDistance(a, b) {
  let dot = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return 1 - dot / Math.sqrt(na * nb);
}

// Texts of the k documents nearest to `query` by cosine among those `keep` accepts.
export function expectedTexts(query, k, keep = () => true) {
  return DOCUMENTS.filter(keep)
    .map((d) => ({ text: d.text, dist: cosineDistance(d.embedding, query) }))
    .sort((x, y) => x.dist - y.dist)
    .slice(0, k)
    .map((d) => d.text);
}

export const QUERIES = [[1, 0.2, 0.4, 0.1], [0.1, 1, 0.5, 0.2], [-1, 0.3, 0.6, 0.05]];

// Whether database `name` has an index access method called `am`.
export async function hasAccessMethod(name, am) {
  const rows = await sql(name, 'SELECT count(*)::int AS n FROM pg_am WHERE amname = $1', [am]);
  return rows[0].n === 1;
}
