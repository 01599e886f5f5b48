// Recursive-descent parser for filter expressions. Precedence, loosest
// first: or, and, not, comparison / in / like / is null, + -, * / %, unary -.
#include "core/filter/ast.h"
#include "core/filter/filter.h"

namespace vecdb::core::filter {

namespace {

class Parser {
public:
    explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

    // Parses the whole input: one expression, then the end.
    NodePtr parse_all() {
        NodePtr root = parse_or();
        if (peek().kind != Tok::end)
            syntax(peek(), "unexpected " + describe(peek()) + " after a complete expression");
        return root;
    }

private:
    const std::vector<Token>& t_;
    size_t at_ = 0;
    int depth_ = 0;

    const Token& peek() const { return t_[at_]; }
    const Token& next() { return t_[at_ < t_.size() - 1 ? at_++ : at_]; }
    bool accept(Tok k) {
        if (peek().kind != k) return false;
        next();
        return true;
    }

    [[noreturn]] void syntax(const Token& tok, const std::string& message) {
        throw FilterError(FailureKind::syntax, tok.position, message);
    }

    void expect(Tok k, const char* what) {
        if (peek().kind != k) syntax(peek(), std::string("expected ") + what + ", found " + describe(peek()));
        next();
    }

    // Counts one level of parser recursion; refuses input nested too deeply.
    struct Depth {
        Parser& p;
        Depth(Parser& parser, const Token& tok) : p(parser) {
            if (++p.depth_ > kMaxDepth)
                throw FilterError(FailureKind::limit, tok.position,
                                  "filter expression is nested too deeply (more than " +
                                      std::to_string(kMaxDepth) + " levels)");
        }
        ~Depth() { p.depth_--; }
    };

    NodePtr make(NodeKind kind, size_t position) {
        NodePtr n = std::make_unique<Node>();
        n->kind = kind;
        n->position = position;
        return n;
    }

    // Adds a child and keeps the tree height bounded (long operator chains
    // would otherwise build a tree too deep to walk safely).
    void adopt(Node& parent, NodePtr child) {
        if (child->height + 1 > parent.height) parent.height = child->height + 1;
        if (parent.height > kMaxDepth)
            throw FilterError(FailureKind::limit, parent.position,
                              "filter expression is nested too deeply (more than " +
                                  std::to_string(kMaxDepth) + " levels)");
        parent.kids.push_back(std::move(child));
    }

    // or_: and_ (or and_)*, kept n-ary.
    NodePtr parse_or() {
        NodePtr first = parse_and();
        if (peek().kind != Tok::kw_or) return first;
        NodePtr n = make(NodeKind::or_, first->position);
        adopt(*n, std::move(first));
        while (accept(Tok::kw_or)) adopt(*n, parse_and());
        return n;
    }

    NodePtr parse_and() {
        NodePtr first = parse_not();
        if (peek().kind != Tok::kw_and) return first;
        NodePtr n = make(NodeKind::and_, first->position);
        adopt(*n, std::move(first));
        while (accept(Tok::kw_and)) adopt(*n, parse_not());
        return n;
    }

    NodePtr parse_not() {
        if (peek().kind == Tok::kw_not) {
            Depth d(*this, peek());
            NodePtr n = make(NodeKind::not_, next().position);
            adopt(*n, parse_not());
            return n;
        }
        return parse_comparison();
    }

    static bool is_compare(Tok k) {
        return k == Tok::eq || k == Tok::ne || k == Tok::lt || k == Tok::le || k == Tok::gt ||
               k == Tok::ge;
    }

    // A comparison, a chained range (1 < a < 5), in / not in, like, is [not] null.
    NodePtr parse_comparison() {
        NodePtr left = parse_additive();
        const Token& tok = peek();
        if (is_compare(tok.kind)) {
            Tok op = next().kind;
            NodePtr right = parse_additive();
            if (!is_compare(peek().kind)) return binary(NodeKind::compare, op, tok.position,
                                                        std::move(left), std::move(right));
            // a < b < c means a < b and b < c; b is parsed once, copied for the second test
            Tok op2 = peek().kind;
            const Token& tok2 = next();
            bool ascending = (op == Tok::lt || op == Tok::le);
            bool ascending2 = (op2 == Tok::lt || op2 == Tok::le);
            if ((op != Tok::lt && op != Tok::le && op != Tok::gt && op != Tok::ge) ||
                ascending != ascending2 || (op2 != Tok::lt && op2 != Tok::le && op2 != Tok::gt && op2 != Tok::ge))
                syntax(tok2, "a chained comparison must use < / <= or > / >= in one direction");
            NodePtr third = parse_additive();
            NodePtr middle_copy = clone(*right);
            NodePtr n = make(NodeKind::and_, left->position);
            adopt(*n, binary(NodeKind::compare, op, tok.position, std::move(left), std::move(right)));
            adopt(*n, binary(NodeKind::compare, op2, tok2.position, std::move(middle_copy), std::move(third)));
            return n;
        }
        if (tok.kind == Tok::kw_in ||
            (tok.kind == Tok::kw_not && t_[at_ + 1].kind == Tok::kw_in)) {
            bool negated = tok.kind == Tok::kw_not;
            next();
            if (negated) next();
            if (peek().kind != Tok::lbracket) syntax(peek(), "expected \"[\" after in, found " + describe(peek()));
            NodePtr n = binary(NodeKind::in_list, Tok::kw_in, tok.position, std::move(left), parse_list());
            n->negated = negated;
            return n;
        }
        if (tok.kind == Tok::kw_like ||
            (tok.kind == Tok::kw_not && t_[at_ + 1].kind == Tok::kw_like)) {
            bool negated = tok.kind == Tok::kw_not;
            next();
            if (negated) next();
            if (peek().kind != Tok::string) syntax(peek(), "expected a string pattern after like, found " + describe(peek()));
            NodePtr pattern = make(NodeKind::string_lit, peek().position);
            pattern->text = next().text;
            NodePtr n = binary(NodeKind::like, Tok::kw_like, tok.position, std::move(left), std::move(pattern));
            n->negated = negated;
            return n;
        }
        if (tok.kind == Tok::kw_is) {
            next();
            bool negated = accept(Tok::kw_not);
            expect(Tok::kw_null, "null after is");
            NodePtr n = make(NodeKind::is_null, tok.position);
            n->negated = negated;
            adopt(*n, std::move(left));
            return n;
        }
        return left;
    }

    NodePtr binary(NodeKind kind, Tok op, size_t position, NodePtr a, NodePtr b) {
        NodePtr n = make(kind, position);
        n->op = op;
        adopt(*n, std::move(a));
        adopt(*n, std::move(b));
        return n;
    }

    // Deep copy of a (height-bounded) subtree.
    NodePtr clone(const Node& src) {
        NodePtr n = std::make_unique<Node>();
        n->kind = src.kind;
        n->position = src.position;
        n->op = src.op;
        n->negated = src.negated;
        n->text = src.text;
        n->integer = src.integer;
        n->floating = src.floating;
        n->boolean = src.boolean;
        n->path = src.path;
        n->height = src.height;
        for (const NodePtr& k : src.kids) n->kids.push_back(clone(*k));
        return n;
    }

    NodePtr parse_additive() {
        NodePtr left = parse_multiplicative();
        while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
            const Token& tok = next();
            left = binary(NodeKind::arith, tok.kind, tok.position, std::move(left), parse_multiplicative());
        }
        return left;
    }

    NodePtr parse_multiplicative() {
        NodePtr left = parse_unary();
        while (peek().kind == Tok::star || peek().kind == Tok::slash || peek().kind == Tok::percent) {
            const Token& tok = next();
            left = binary(NodeKind::arith, tok.kind, tok.position, std::move(left), parse_unary());
        }
        return left;
    }

    NodePtr parse_unary() {
        if (peek().kind == Tok::minus) {
            Depth d(*this, peek());
            const Token& tok = next();
            // -<integer literal> folds into the literal so INT64_MIN is expressible
            if (peek().kind == Tok::integer) {
                const Token& lit = next();
                NodePtr n = make(NodeKind::int_lit, tok.position);
                n->integer = static_cast<int64_t>(0ULL - static_cast<uint64_t>(lit.integer));
                return n;
            }
            if (peek().kind == Tok::floating) {
                NodePtr n = make(NodeKind::float_lit, tok.position);
                n->floating = -next().floating;
                return n;
            }
            NodePtr n = make(NodeKind::negate, tok.position);
            adopt(*n, parse_unary());
            return n;
        }
        if (peek().kind == Tok::plus) {
            Depth d(*this, peek());
            next();
            return parse_unary();
        }
        return parse_primary();
    }

    // [literal, ...]: the right side of in / not in and of the array functions.
    NodePtr parse_list() {
        Depth d(*this, peek());
        NodePtr n = make(NodeKind::list, next().position);  // the "["
        if (accept(Tok::rbracket)) return n;
        while (true) {
            NodePtr item = parse_unary();
            if (item->kind != NodeKind::int_lit && item->kind != NodeKind::float_lit &&
                item->kind != NodeKind::string_lit && item->kind != NodeKind::bool_lit)
                throw FilterError(FailureKind::syntax, item->position, "a list may hold only literals");
            n->kids.push_back(std::move(item));
            if (accept(Tok::rbracket)) return n;
            expect(Tok::comma, "\",\" or \"]\" in a list");
        }
    }

    NodePtr parse_primary() {
        const Token& tok = peek();
        switch (tok.kind) {
            case Tok::integer: {
                next();
                if (static_cast<uint64_t>(tok.integer) == 9223372036854775808ULL)
                    throw FilterError(FailureKind::limit, tok.position,
                                      "integer " + tok.text + " is out of range for int64");
                NodePtr n = make(NodeKind::int_lit, tok.position);
                n->integer = tok.integer;
                return n;
            }
            case Tok::floating: {
                next();
                NodePtr n = make(NodeKind::float_lit, tok.position);
                n->floating = tok.floating;
                return n;
            }
            case Tok::string: {
                next();
                NodePtr n = make(NodeKind::string_lit, tok.position);
                n->text = tok.text;
                return n;
            }
            case Tok::kw_true:
            case Tok::kw_false: {
                next();
                NodePtr n = make(NodeKind::bool_lit, tok.position);
                n->boolean = tok.kind == Tok::kw_true;
                return n;
            }
            case Tok::lparen: {
                Depth d(*this, tok);
                next();
                NodePtr inner = parse_or();
                expect(Tok::rparen, "\")\"");
                return inner;
            }
            case Tok::lbracket:
                return parse_list();
            case Tok::identifier:
                return parse_identifier();
            default:
                syntax(tok, "unexpected " + describe(tok));
        }
    }

    // A field, a dynamic key, a json path / array subscript, or a function call.
    NodePtr parse_identifier() {
        const Token& tok = next();
        if (peek().kind == Tok::lparen) {
            Depth d(*this, peek());
            next();
            NodePtr n = make(NodeKind::call, tok.position);
            n->text = tok.text;
            if (!accept(Tok::rparen)) {
                while (true) {
                    adopt(*n, parse_or());
                    if (accept(Tok::rparen)) break;
                    expect(Tok::comma, "\",\" or \")\" in the argument list");
                }
            }
            return n;
        }
        NodePtr n = make(NodeKind::identifier, tok.position);
        n->text = tok.text;
        while (peek().kind == Tok::lbracket) {
            const Token& open = next();
            const Token& key = next();
            PathStep step{false, {}, 0, key.position};
            if (key.kind == Tok::string) {
                step.key = key.text;
            } else if (key.kind == Tok::integer) {
                step.is_index = true;
                step.index = key.integer;
                if (static_cast<uint64_t>(key.integer) > 1000000000ULL)
                    throw FilterError(FailureKind::limit, key.position, "subscript " + key.text + " is too large");
            } else {
                syntax(key, "expected a string key or an integer index after \"[\", found " + describe(key));
            }
            expect(Tok::rbracket, "\"]\"");
            if (n->path.size() >= static_cast<size_t>(kMaxDepth))
                throw FilterError(FailureKind::limit, open.position, "json path has too many steps");
            n->path.push_back(step);
        }
        return n;
    }
};

}  // namespace

NodePtr parse(const std::vector<Token>& tokens) {
    Parser p(tokens);
    return p.parse_all();
}

}  // namespace vecdb::core::filter
