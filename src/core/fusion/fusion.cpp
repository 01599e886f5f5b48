// Reciprocal-rank and weighted fusion of ranked candidate lists.
#include "core/fusion/fusion.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "core/error.h"

namespace vecdb::core::fusion {

namespace {

constexpr double kPi = 3.14159265358979323846;

// A key met in some list, with its place (1-based, 0 = absent) per list.
struct Entry {
    std::string key;
    int64_t number;
    std::vector<size_t> rank;
    std::vector<double> distance;
    double score;
};

// A printf-formatted message (the messages here are short).
template <typename... Args>
std::string format(const char* fmt, Args... args) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, fmt, args...);
    return buffer;
}

// The integer value of a numeric key; throws when it is not one.
int64_t parse_number(const std::string& key) {
    int64_t value = 0;
    const char* end = key.data() + key.size();
    auto result = std::from_chars(key.data(), end, value);
    if (key.empty() || result.ec != std::errc() || result.ptr != end)
        fail(ErrorKind::invalid_parameter, "primary key \"" + key.substr(0, 64) + "\" is not an integer");
    return value;
}

// The fused score of an entry: its lists' contributions summed in list
// order (so the sum is reproducible, e.g. by the same sum written in SQL).
double fused_score(const Ranker& ranker, const std::vector<ScoreKind>& kinds, const Entry& e) {
    double score = 0;
    for (size_t l = 0; l < e.rank.size(); l++) {
        if (e.rank[l] == 0) continue;
        if (ranker.kind == Ranker::Kind::rrf)
            score += 1.0 / (ranker.k + (double)e.rank[l]);
        else
            score += ranker.weights[l] * normalise(kinds[l], e.distance[l]);
    }
    return score;
}

}  // namespace

void check_ranker(const Ranker& ranker, size_t nlists) {
    if (nlists == 0) fail(ErrorKind::invalid_parameter, "hybrid search needs at least one request");
    if (ranker.kind == Ranker::Kind::rrf) {
        if (!std::isfinite(ranker.k) || ranker.k < kMinRrfK || ranker.k >= kMaxRrfK)
            fail(ErrorKind::invalid_parameter,
                 format("rrf ranker parameter k must be at least %g and less than %g, not %g", kMinRrfK,
                        kMaxRrfK, ranker.k));
        return;
    }
    if (ranker.weights.size() != nlists)
        fail(ErrorKind::invalid_parameter,
             format("the weighted ranker needs one weight per request: %zu requests, %zu weights given", nlists,
                    ranker.weights.size()));
    for (size_t i = 0; i < nlists; i++) {
        double w = ranker.weights[i];
        if (!(w >= 0 && w <= 1))
            fail(ErrorKind::invalid_parameter,
                 format("weight %zu of the weighted ranker is %g; weights must be between 0 and 1", i + 1, w));
    }
}

double normalise(ScoreKind kind, double score) {
    switch (kind) {
        case ScoreKind::distance: return 1.0 - 2.0 * std::atan(score) / kPi;
        case ScoreKind::similarity: return 0.5 + std::atan(score) / kPi;
        case ScoreKind::text_rank: return 2.0 * std::atan(score) / kPi;
    }
    return 0;
}

std::vector<Fused> fuse(const Ranker& ranker, const std::vector<ScoreKind>& kinds,
                        const std::vector<std::vector<Candidate>>& lists, bool numeric_keys, size_t limit) {
    check_ranker(ranker, lists.size());
    if (kinds.size() != lists.size())
        fail(ErrorKind::internal, format("%zu score kinds for %zu lists", kinds.size(), lists.size()));
    const size_t nlists = lists.size();
    std::vector<Entry> entries;
    std::unordered_map<std::string, size_t> index;
    for (size_t l = 0; l < nlists; l++) {
        for (size_t r = 0; r < lists[l].size(); r++) {
            const Candidate& c = lists[l][r];
            auto found = index.emplace(c.key, entries.size());
            if (found.second)
                entries.push_back(Entry{c.key, numeric_keys ? parse_number(c.key) : 0, std::vector<size_t>(nlists, 0),
                                        std::vector<double>(nlists, std::numeric_limits<double>::quiet_NaN()), 0});
            Entry& e = entries[found.first->second];
            if (e.rank[l] != 0) continue;
            e.rank[l] = r + 1;
            e.distance[l] = c.distance;
        }
    }
    for (Entry& e : entries) e.score = fused_score(ranker, kinds, e);
    auto better = [numeric_keys](const Entry& a, const Entry& b) {
        if (a.score != b.score) return a.score > b.score;
        return numeric_keys ? a.number < b.number : a.key < b.key;
    };
    size_t keep = std::min(limit, entries.size());
    std::partial_sort(entries.begin(), entries.begin() + keep, entries.end(), better);
    std::vector<Fused> out;
    out.reserve(keep);
    for (size_t i = 0; i < keep; i++)
        out.push_back(Fused{std::move(entries[i].key), entries[i].score, std::move(entries[i].distance)});
    return out;
}

}  // namespace vecdb::core::fusion
