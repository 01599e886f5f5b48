-- The 'vector' compatibility extension: nothing of its own. vecdb already
-- provides pgvector's types, operators, functions and operator classes
-- under the same names; this extension only lets code written for pgvector
-- run its `CREATE EXTENSION IF NOT EXISTS vector` unchanged. It requires
-- vecdb, so `CREATE EXTENSION vector CASCADE` also installs vecdb.
\echo Use "CREATE EXTENSION vector" to load this file. \quit
