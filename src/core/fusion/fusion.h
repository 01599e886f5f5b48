// Hybrid-search fusion: several ranked candidate lists (one per request of a
// hybrid search: a dense or sparse vector field, a full-text field) merged
// into one ranking by reciprocal-rank fusion or by a weighted sum of
// normalised scores, as Milvus's RRFRanker and WeightedRanker do.
// Plain C++ (no Postgres); bad rankers throw core::Error (invalid_parameter).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vecdb::core::fusion {

// How the weighted ranker maps a request's score into [0, 1].
enum class ScoreKind {
    distance,    // L2 / HAMMING / JACCARD distance: 1 - 2 atan(d) / pi
    similarity,  // IP / COSINE similarity: 0.5 + atan(s) / pi
    text_rank    // full-text rank (ts_rank_cd >= 0), as Milvus's BM25: 2 atan(s) / pi
};

// The ranker and its parameters: rrf uses k, weighted one weight per list.
struct Ranker {
    enum class Kind { rrf, weighted };
    Kind kind = Kind::rrf;
    double k = 60;
    std::vector<double> weights;
};

// Limits of the rrf parameter: kMinRrfK <= k < kMaxRrfK.
constexpr double kMinRrfK = 1;
constexpr double kMaxRrfK = 16384;

// One entry of a request's list; lists come best first.
struct Candidate {
    std::string key;  // the primary key in its text form
    double distance;  // the score the request reported
};

// One fused hit: key, fused score, and each list's distance (NaN where the
// key was not in that list).
struct Fused {
    std::string key;
    double score;
    std::vector<double> distances;
};

// Throws unless the ranker's parameters are valid for nlists lists.
void check_ranker(const Ranker& ranker, size_t nlists);

// A request's score normalised into [0, 1] for the weighted ranker.
double normalise(ScoreKind kind, double score);

// The best `limit` keys over all lists, highest fused score first, ties by
// key (numerically when numeric_keys, else bytewise). rrf: sum over lists of
// 1 / (k + rank), rank 1-based; weighted: sum of weight * normalise(score).
// A key listed twice in one list counts once, at its first (best) place.
// kinds has one entry per list. Throws for a bad ranker or a numeric key
// that is not an integer.
std::vector<Fused> fuse(const Ranker& ranker, const std::vector<ScoreKind>& kinds,
                        const std::vector<std::vector<Candidate>>& lists, bool numeric_keys, size_t limit);

}  // namespace vecdb::core::fusion
