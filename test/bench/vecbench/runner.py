"""Runs every system over its sweep and collects one record per point: vecdb
(floor, exact, each index with its filtered points, pages and inserts), then
the in-process references."""

import sys

import numpy as np
import psycopg2

from . import inserts as ins
from . import measure, pages, report, truth
from . import timetravel as tt
from .cli import am_of
from .datasets import Dataset
from .pgsys import SWEEP_GUCS, TABLE, Skip
from .refsys import make_reference, ref_key, references_for

INSERT_CHECK_QUERIES = 1000   # queries of the recall check around the inserts
NO_INDEX_QUERIES = 200        # a filtered plan without the vector index: slow, run on fewer
RECALL_TARGET = 0.99          # the inserts' recall check runs at the point closest to it


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Runner:
    """Runs every system and collects one result record per sweep point."""

    def __init__(self, args, ds, gt_dist, refs, cache_dir, filters=(), insert_set=None,
                 overlap=()):
        self.args, self.ds, self.gt_dist = args, ds, gt_dist
        self.refs, self.cache_dir = refs, cache_dir
        self.filters, self.insert_set = list(filters), insert_set
        self.results = []
        self.inserts = []            # one record per index: rows/s with and without it
        self.insert_baseline = None  # rows/s into the table without a vector index
        nq = len(ds.queries)
        self.all_q = list(range(nq))
        self.exact_q = list(range(min(nq, args.exact_queries or 1000)))
        skip = set(overlap)
        self.check_q = [q for q in self.all_q if q not in skip][:INSERT_CHECK_QUERIES]
        self._after_truth = None

    def skipped(self, system, why):
        log(f"skip {system}: {why}")
        self.results.append({"system": system, "skipped": why})

    # Times one system at one point and records recall, rows and latencies;
    # `flt` (a filtered.Filter) scores recall against that filter's truth,
    # `against` (dataset, truth distances) against other data than the base.
    def point(self, system, search, qids, build=None, param=None, extra=None, with_recall=True,
              flt=None, against=None):
        answers, lat = measure.run_queries(search, qids, min(self.args.warmup, len(qids)))
        rec = {"system": system, "build": build or {}, "param": param or {}}
        if system == "floor" or not with_recall:
            rec["recall"] = None
        elif flt is not None:
            rec["recall"] = truth.recall(self.ds, qids, answers, flt.gt_dist, self.args.k,
                                         flt.allowed)
        elif against is not None:
            rec["recall"] = truth.recall(against[0], qids, answers, against[1], self.args.k)
        else:
            rec["recall"] = truth.recall(self.ds, qids, answers, self.gt_dist, self.args.k)
        rec.update(measure.summarize(lat))
        if system != "floor":
            counts = [len(a) for a in answers]
            rec["rows_min"], rec["rows_mean"] = int(min(counts)), float(np.mean(counts))
        rec.update(extra or {})
        self.results.append(rec)
        log(f"{system:<22} {report.fmt_params(build):<26} {report.fmt_params(param):<12} "
            f"recall={rec['recall'] if rec['recall'] is None else round(rec['recall'], 4)} "
            f"qps={rec['qps']:.1f}")
        return rec

    # vecdb: floor, exact search, then each index over its sweep.
    def run_vecdb(self, pg, indexes, build, sweep, settings):
        a = self.args
        if not a.no_floor:
            pg.prepare_floor(self.ds)
            self.point("floor", pg.searcher("bench_floor"), self.all_q)
        try:
            self.load_s = pg.load(self.ds, a.k)
            self.table_bytes = pg.table_bytes
        except Skip as e:
            for s in (["exact"] if not a.no_exact else []) + [f"vecdb-{i}" for i in indexes]:
                self.skipped(s, str(e))
            return
        if a.ttl:
            # The ttl's hidden column (and its btree) exists from here on, so
            # the searches without a ttl run on the same table as those with one.
            pg.set_ttl(tt.TTL)
            pg.set_ttl(0)
        if self.filters and a.filter_btree:
            pg.execute(f"CREATE INDEX bench_category_idx ON {TABLE} (category)")
            pg.execute(f"ANALYZE {TABLE}")
        knn = pg.searcher("bench_knn")
        if not a.no_exact:
            self.point("exact", knn, self.exact_q, extra={"plan": pg.plan()})
            self.filtered_points(pg, "exact", self.exact_q, None, None, index=False)
        if self.insert_set:
            # The same rows into the same table with no vector index: the baseline.
            self.insert_baseline = ins.measure(pg, self.insert_set)
            ins.remove(pg, self.insert_set)
            log(f"inserts without a vector index: {_fmt_rates(self.insert_baseline)}")
        for name in indexes:
            self.run_index(pg, name, build[name], sweep[name], settings[name])

    # One index: build, every sweep point (with its filtered points and
    # pages) under its --set settings, then the inserts into it; dropped at the end.
    def run_index(self, pg, name, options, key_vals, settings):
        a = self.args
        system, am = f"vecdb-{name}", am_of(name)
        try:
            pg.set_build_threads(a.build_threads)
            secs, size = pg.build_index(am, options, "category" if a.filter_key else None)
        except Skip as e:
            self.skipped(system, str(e))
            return
        refs, _ = references_for(am, options, self.refs)
        pg.execute("SET enable_seqscan = off")
        try:
            for guc, value in settings.items():
                pg.set_param(guc, value)
        except Skip as e:
            self.skipped(system, str(e))
            for guc in settings:
                pg.execute(f"RESET {guc}")
            pg.drop_index()
            return
        points = [(key_vals[0], v) for v in key_vals[1]] if key_vals else [(None, None)]
        first = True
        for key, value in points:
            param = {key: value} if key else None
            try:
                if key is not None:
                    pg.set_param(key, value)
            except Skip as e:
                self.skipped(f"{system} {key}={value}", str(e))
                continue
            try:
                plan = pg.plan()
                extra = {"index": name, "am": am, "settings": settings,
                         "build_s": secs if first else None,
                         "size_bytes": size, "plan": plan, "uses_index": pg.uses_index(plan),
                         "build_threads": a.build_threads if first else None,
                         "ref_key": ref_key(*refs[0]) if refs else None}
                if not extra["uses_index"]:
                    log(f"warning: {system} plan does not use the index:\n{plan}")
                # flat is exact search too: it gets the same query subset.
                qids = self.exact_q if am == "flat" else self.all_q
                rec = self.point(system, pg.searcher("bench_knn"), qids, options, param, extra)
                rec["buffers"] = pages.buffers_per_query(pg, "bench_knn", pages.sample(qids, a.pages))
                if a.collection:
                    self.collection_points(pg, system, qids, options, param)
                self.filtered_points(pg, system, qids, options, param, index=True)
                first = False
            except psycopg2.Error as e:
                # A failing search is reported and the run goes on.
                self.skipped(f"{system} {key}={value}" if key else system,
                             f"search failed: {(e.pgerror or str(e)).strip()}")
            if key is not None:
                pg.execute(f"RESET {SWEEP_GUCS.get(key, key)}")
        if a.as_of and not first:
            self.as_of_points(pg, system, am, options, points,
                              self.exact_q if am == "flat" else self.all_q)
        if self.insert_set:
            try:
                self.insert_points(pg, system, name, options)
            except psycopg2.Error as e:
                self.skipped(f"{system}-insert", f"inserts failed: {(e.pgerror or str(e)).strip()}")
        for guc in settings:
            pg.execute(f"RESET {guc}")
        pg.drop_index()
        if self.insert_set:
            ins.remove(pg, self.insert_set)

    # The filtered query at every --filter fraction, with the default planner
    # (no enable_* setting) planning each execution with its category value,
    # as a client that sends values inline gets; recall against the filter's
    # own exact truth.
    def filtered_points(self, pg, system, qids, build, param, index):
        if not self.filters:
            return
        pg.execute("RESET enable_seqscan")
        pg.execute("SET plan_cache_mode = force_custom_plan")
        qids = qids[:self.args.filter_queries]
        try:
            for f in self.filters:
                uses = self.filtered_point(pg, system, qids, build, param, index, f, "")
                if index and not uses and self.args.filter_forced:
                    # The index's own filtered search, whatever the planner thinks of it.
                    pg.execute("SET enable_seqscan = off")
                    self.filtered_point(pg, system, qids, build, param, index, f, "-forced")
                    pg.execute("RESET enable_seqscan")
        finally:
            pg.execute("SET plan_cache_mode = force_generic_plan")
            if index:
                pg.execute("SET enable_seqscan = off")

    # One filtered point (system name + `suffix`) under the current settings;
    # returns whether its plan used the index.
    def filtered_point(self, pg, system, qids, build, param, index, f, suffix):
        more = str(f.value)
        plan = pg.plan("bench_knn_filter", more)
        uses = pg.uses_index(plan)
        extra = {"base_system": system,
                 "filter": {"fraction": f.fraction, "value": f.value, "rows": f.rows},
                 "plan": plan, "plan_cache_mode": "force_custom_plan",
                 "planner": "enable_seqscan = off" if suffix else "default"}
        if index:
            extra["uses_index"] = uses
            if not uses:
                log(f"warning: {system}{suffix} filter {f.fraction:g}: the plan does not use "
                    f"the index:\n{plan}")
        rec = self.point(f"{system}-filter{f.fraction:g}{suffix}",
                         pg.searcher("bench_knn_filter", more),
                         qids if uses else qids[:NO_INDEX_QUERIES], build, param, extra, flt=f)
        if index and uses:
            rec["buffers"] = pages.buffers_per_query(
                pg, "bench_knn_filter", pages.sample(qids, self.args.pages), more)
        return uses

    # Inserts into the built index (one session, then concurrent sessions),
    # with recall on the same queries before and after, at the sweep point
    # whose recall is closest to RECALL_TARGET.
    def insert_points(self, pg, system, name, options):
        done = [r for r in self.results if r["system"] == system and r.get("index") == name
                and r.get("recall") is not None]
        if not done:
            return
        at = min(done, key=lambda r: abs(r["recall"] - RECALL_TARGET))
        for key, value in at["param"].items():
            pg.set_param(key, value)
        knn = pg.searcher("bench_knn")
        qids = self.check_q
        before = truth.recall(self.ds, qids, [knn(q) for q in qids], self.gt_dist, self.args.k)
        rates = ins.measure(pg, self.insert_set)
        after_ds, after_gt = self.after_truth()
        after = truth.recall(after_ds, list(range(len(qids))), [knn(q) for q in qids], after_gt,
                             self.args.k)
        for key in at["param"]:
            pg.execute(f"RESET {SWEEP_GUCS.get(key, key)}")
        rec = {"system": system, "index": name, "build": options, "param": at["param"],
               "rows_per_s": rates, "baseline_rows_per_s": self.insert_baseline,
               "ratio": {s: rates[s]["rows_per_s"] / self.insert_baseline[s]["rows_per_s"]
                         for s in rates},
               "check_queries": len(qids), "recall_before": before, "recall_after": after,
               "rows_inserted": sum(r["rows"] for r in rates.values()),
               "rows_after": pg.scalar(f"SELECT count(*) FROM {TABLE}")}
        self.inserts.append(rec)
        log(f"inserts into {system}: {_fmt_rates(rates)}; recall@{self.args.k} at "
            f"{report.fmt_params(at['param'])} {before:.4f} before, {after:.4f} after")

    # Ground truth after the inserts: base rows plus every inserted vector (ids
    # continue after the base), for the recall-check queries.
    def after_truth(self):
        if self._after_truth is None:
            s = self.insert_set
            ds = Dataset(f"{self.ds.name}-inserted", np.concatenate([self.ds.base, s.vectors]),
                         np.ascontiguousarray(self.ds.queries[self.check_q]), self.ds.metric)
            _, gt = truth.load_or_compute(ds, self.cache_dir, log)
            self._after_truth = (ds, gt)
        return self._after_truth

    # vecdb.search over the same index, beside the hand-written query with the
    # same filter (the filtered points have no recall: the truth is
    # unfiltered). Each pair runs interleaved, query by query, and its QPS
    # ratio is logged: the hand-written query's time again as
    # {system}-sql-paired (the sweep point above ran on its own).
    def collection_points(self, pg, system, qids, build, param):
        hand, base = self.paired_points(pg, f"{system}-sql-paired", "bench_knn",
                                        f"{system}-collection", "bench_collection", qids, build,
                                        param, True)
        if self.args.ttl:
            self.ttl_point(pg, system, qids, build, param, base)
        self.paired_points(pg, f"{system}-sql-filter", "bench_knn_filtered",
                           f"{system}-collection-filter", "bench_collection_filtered", qids, build,
                           param, False)

    # Times the hand-written statement and vecdb.search interleaved and
    # records both points (with the ratio of their QPS on the API's record).
    def paired_points(self, pg, hand_system, hand_stmt, api_system, api_stmt, qids, build, param,
                      with_recall):
        a = self.args
        ans_h, lat_h, ans_c, lat_c = measure.run_paired(pg.searcher(hand_stmt), pg.searcher(api_stmt),
                                                        qids, min(a.warmup, len(qids)))
        recs = []
        for system, answers, lat in ((hand_system, ans_h, lat_h), (api_system, ans_c, lat_c)):
            rec = {"system": system, "build": build or {}, "param": param or {},
                   "recall": (truth.recall(self.ds, qids, answers, self.gt_dist, a.k)
                              if with_recall else None)}
            rec.update(measure.summarize(lat))
            counts = [len(x) for x in answers]
            rec["rows_min"], rec["rows_mean"] = int(min(counts)), float(np.mean(counts))
            self.results.append(rec)
            log(f"{system:<22} {report.fmt_params(build):<26} {report.fmt_params(param):<12} "
                f"recall={rec['recall'] if rec['recall'] is None else round(rec['recall'], 4)} "
                f"qps={rec['qps']:.1f}")
            recs.append(rec)
        recs[1]["qps_ratio_vs_sql"] = recs[1]["qps"] / recs[0]["qps"]
        log(f"  {api_system}: {recs[1]['qps_ratio_vs_sql']:.3f} x the hand-written query's QPS "
            f"(interleaved)")
        return recs[0], recs[1]

    # --ttl: the same vecdb.search right after `base`, with a ttl no row
    # reaches, so every row passes the visibility check; recall must not move.
    def ttl_point(self, pg, system, qids, build, param, base):
        pg.set_ttl(tt.TTL)
        try:
            rec = self.point(f"{system}-collection-ttl", pg.searcher("bench_collection"), qids,
                             build, param, {"ttl": tt.TTL})
        finally:
            pg.set_ttl(0)
        rec.update(tt.versus(rec, base))
        rec["recall_equal"] = rec["recall"] == base["recall"]
        log(f"  ttl: {rec['qps_ratio']:.3f} x the QPS without, recall "
            f"{'equal' if rec['recall_equal'] else 'DIFFERS'}")

    # --as-of: time travel on, instant T recorded, then a fraction of the rows
    # changed in one transaction; at every point of the index, back to back,
    # the present search (scored on the changed data) and the search as of T
    # (scored on the original vectors). Undone at the end (history dropped,
    # the vectors put back), so later indexes and the inserts see the base data.
    def as_of_points(self, pg, system, am, options, points, qids):
        a = self.args
        ids, vectors = tt.changed_rows(self.ds, a.as_of_rows)
        cur_ds, cur_gt, moved = tt.current_truth(self.ds, ids, vectors, a.k, self.cache_dir, log)
        enabled = changed = False
        try:
            hist = pg.enable_time_travel(a.k)
            enabled = True
            pg.history_index(hist, am, options)
            at = pg.scalar("SELECT clock_timestamp()")   # after time travel's commit
            pg.update_vectors(ids, vectors)
            changed = True
            pg.execute(f"VACUUM (ANALYZE) {TABLE}")
            pg.execute(f"VACUUM (ANALYZE) {hist}")
            more = f"'{at.isoformat()}'::timestamptz"
            # Queries whose exact neighbours differ between T and now: what
            # tells the two apart (an as-of search answering with the present
            # data scores below 1 on these).
            extra = {"as_of": at.isoformat(), "rows_changed": len(ids),
                     "truth_changed": int(np.count_nonzero(moved[qids])),
                     "history_rows": pg.scalar(f"SELECT count(*) FROM {hist}")}
            for key, value in points:
                param = {key: value} if key else None
                try:
                    if key is not None:
                        pg.set_param(key, value)
                    now = self.point(f"{system}-collection-current", pg.searcher("bench_collection"),
                                     qids, options, param, extra, against=(cur_ds, cur_gt))
                    rec = self.point(f"{system}-collection-as-of",
                                     pg.searcher("bench_collection_as_of", more), qids, options,
                                     param, extra)
                    rec.update(tt.versus(rec, now))
                    log(f"  as-of: p50 {rec['p50_ratio']:.3f} x the present search's")
                except Skip as e:
                    self.skipped(f"{system}-collection-as-of {key}={value}", str(e))
                except psycopg2.Error as e:
                    self.skipped(f"{system}-collection-as-of {report.fmt_params(param)}",
                                 f"search failed: {(e.pgerror or str(e)).strip()}")
                if key is not None:
                    pg.execute(f"RESET {SWEEP_GUCS.get(key, key)}")
        except psycopg2.Error as e:
            self.skipped(f"{system}-collection-as-of", f"time travel failed: "
                         f"{(e.pgerror or str(e)).strip()}")
        finally:
            if enabled:
                pg.disable_time_travel()
            if changed:
                pg.update_vectors(ids, self.ds.base[ids])
                pg.execute(f"VACUUM (ANALYZE) {TABLE}")

    # hnswlib / FAISS with the same build parameters, threads and sweep;
    # one build per distinct reference.
    def run_refs(self, indexes, build, sweep):
        if not self.args.no_exact and "faiss" in self.refs:
            self.run_ref("faiss-flat", {}, None, self.exact_q)
        seen = {ref_key("faiss-flat", {})}
        for name in indexes:
            am = am_of(name)
            refs, why = references_for(am, build[name], self.refs)
            if why and am == "ivf":
                self.skipped(f"faiss reference of vecdb-{name}", why)
            for ref_name, opts in refs:
                if ref_key(ref_name, opts) in seen:
                    continue
                seen.add(ref_key(ref_name, opts))
                qids = self.exact_q if ref_name == "faiss-flat" else self.all_q
                self.run_ref(ref_name, opts, sweep.get(name), qids)

    # Builds one reference index and measures it over the sweep.
    def run_ref(self, ref_name, opts, key_vals, qids):
        try:
            ref = make_reference(ref_name, self.ds, self.args.build_threads, opts)
        except Exception as e:  # a reference that cannot be built here is reported
            self.skipped(ref_name, f"build failed: {e}")
            return
        log(f"{ref.name}: built in {ref.build_s:.2f}s on {ref.build_threads} threads")
        search = ref.search_fn(self.ds.queries, self.args.k)
        points = [(key_vals[0], v) for v in key_vals[1]] if key_vals else [(None, None)]
        try:
            if key_vals:
                ref.set_param(*points[0])
        except KeyError:
            # A vecdb-only sweep (say vecdb.rerank): the reference runs once, as built.
            self.skipped(f"{ref.name} sweep {key_vals[0]}", "not a parameter of the reference; "
                         "measured once with its defaults")
            points = [(None, None)]
        for i, (key, value) in enumerate(points):
            if key is not None:
                ref.set_param(key, value)
            self.point(ref.name, search, qids, ref.params, {key: value} if key else None,
                       {"build_s": ref.build_s if i == 0 else None, "size_bytes": ref.size_bytes,
                        "build_threads": ref.build_threads if i == 0 else None,
                        "key": ref_key(ref_name, opts)})


# "1 session 1234 rows/s, 4 sessions 2345 rows/s"
def _fmt_rates(rates):
    return ", ".join(f"{s} session{'s' if s != '1' else ''} {r['rows_per_s']:.0f} rows/s"
                     for s, r in rates.items())
