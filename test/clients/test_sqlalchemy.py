#!/usr/bin/python3
"""SQLAlchemy (Debian python3-sqlalchemy, psycopg2 driver) against vecdb.

A vector column type written the way an application (or pgvector-python)
declares one, an ORM model whose metadata creates a vecdb flat index,
ORDER BY distance with a filter, and deletes. The database is made by the
test; `CREATE EXTENSION IF NOT EXISTS vector` goes through the 'vector'
compatibility extension (scripts/test-clients installs it into the staged
copy) as it would for an application written for pgvector.
"""
import math
import os
import unittest

import psycopg2
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.types import UserDefinedType, Float

DATABASE = "vecdb_sqlalchemy"


class Vector(UserDefinedType):
    """The vector(n) column type: lists of floats in, lists of floats out."""
    cache_ok = True

    def __init__(self, dim=None):
        self.dim = dim

    def get_col_spec(self, **kw):
        return "vector" if self.dim is None else "vector(%d)" % self.dim

    @staticmethod
    def to_text(value):
        return "[" + ",".join(repr(float(v)) for v in value) + "]"

    def bind_processor(self, dialect):
        return lambda value: None if value is None else self.to_text(value)

    def literal_processor(self, dialect):
        return lambda value: "'%s'::vector" % self.to_text(value)

    def result_processor(self, dialect, coltype):
        return lambda value: None if value is None else [float(v) for v in value[1:-1].split(",")]

    class comparator_factory(UserDefinedType.Comparator):
        def l2_distance(self, other):
            return self.op("<->", return_type=Float)(other)

        def cosine_distance(self, other):
            return self.op("<=>", return_type=Float)(other)


Base = orm.declarative_base()


class Item(Base):
    __tablename__ = "sa_items"
    id = sa.Column(sa.Integer, primary_key=True)
    category = sa.Column(sa.String, nullable=False)
    embedding = sa.Column(Vector(3))
    __table_args__ = (
        sa.Index("sa_items_embedding_l2", "embedding", postgresql_using="flat",
                 postgresql_ops={"embedding": "vector_l2_ops"}),
        sa.Index("sa_items_embedding_cos", "embedding", postgresql_using="flat",
                 postgresql_ops={"embedding": "vector_cosine_ops"}),
    )


def point(i):
    """The deterministic embedding of row i."""
    return [math.sin(i * 0.9) * 5, math.cos(i * 0.4) * 5, (i % 13) * 0.37]


def l2(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return 1 - dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


class SQLAlchemyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        admin = psycopg2.connect(dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS " + DATABASE)
            cur.execute("CREATE DATABASE " + DATABASE)
        admin.close()
        url = sa.engine.URL.create("postgresql+psycopg2", username=os.environ["PGUSER"],
                                   host=os.environ["PGHOST"], port=int(os.environ["PGPORT"]),
                                   database=DATABASE)
        cls.engine = sa.create_engine(url, future=True)
        with cls.engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vecdb"))
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
        Base.metadata.create_all(cls.engine)
        with orm.Session(cls.engine) as session:
            session.add_all(Item(id=i, category="even" if i % 2 == 0 else "odd", embedding=point(i))
                            for i in range(1, 201))
            session.commit()

    @classmethod
    def tearDownClass(cls):
        cls.engine.dispose()

    def nearest(self, session, order, k, category=None):
        stmt = sa.select(Item.id).order_by(order).limit(k)
        if category:
            stmt = stmt.where(Item.category == category)
        return session.execute(stmt).scalars().all()

    def test_metadata_created_the_flat_indexes(self):
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'sa_items' "
                "AND indexname LIKE 'sa_items_embedding%' ORDER BY 1")).all()
        self.assertEqual([r[0] for r in rows], ["sa_items_embedding_cos", "sa_items_embedding_l2"])
        self.assertIn("USING flat (embedding vector_cosine_ops)", rows[0][1])

    def test_order_by_distance_through_the_index(self):
        for q in ([1, 2, 3], [-4, 0.5, 2], [0, -5, 4.4]):
            with orm.Session(self.engine) as session:
                session.execute(sa.text("SET LOCAL enable_seqscan = off"))
                stmt = sa.select(Item.id).order_by(Item.embedding.l2_distance(q)).limit(10)
                plan = "\n".join(r[0] for r in session.execute(
                    sa.text("EXPLAIN (COSTS OFF) " + str(stmt.compile(self.engine, compile_kwargs={"literal_binds": True})))))
                self.assertIn("Index Scan using sa_items_embedding_l2", plan)
                expected = sorted(range(1, 201), key=lambda i: l2(point(i), q))[:10]
                self.assertEqual(self.nearest(session, Item.embedding.l2_distance(q), 10), expected)
                odd = sorted((i for i in range(1, 201) if i % 2), key=lambda i: cosine(point(i), q))[:5]
                self.assertEqual(self.nearest(session, Item.embedding.cosine_distance(q), 5, "odd"), odd)
                item = session.get(Item, expected[0])
                self.assertEqual([round(v, 4) for v in item.embedding], [round(v, 4) for v in point(expected[0])])

    def test_delete_removes_rows_from_answers(self):
        q = [2, 2, 2]
        with orm.Session(self.engine) as session:
            first = self.nearest(session, Item.embedding.l2_distance(q), 3)
            session.execute(sa.delete(Item).where(Item.id == first[0]))
            session.commit()
            session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            after = self.nearest(session, Item.embedding.l2_distance(q), 3)
            self.assertNotIn(first[0], after)
            self.assertEqual(after[:2], first[1:])
            session.rollback()
            session.add(Item(id=first[0], category="odd" if first[0] % 2 else "even", embedding=point(first[0])))
            session.commit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
