// Lexer for filter expressions: numbers, quoted strings with escapes,
// identifiers, keywords (case-insensitive) and operators.
#include "core/filter/lexer.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/filter/filter.h"

namespace vecdb::core::filter {

namespace {

// Throws a syntax error pointing at a 0-based offset.
[[noreturn]] void syntax(size_t offset, const std::string& message) {
    throw FilterError(FailureKind::syntax, offset + 1, message);
}

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Lower-cases ASCII letters (keywords are case-insensitive).
std::string lower(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Reads 4 hex digits at s[i..]; throws if they are not there.
uint32_t read_hex4(const std::string& s, size_t i, size_t escape_at) {
    if (i + 4 > s.size()) syntax(escape_at, "\\u escape needs four hex digits");
    uint32_t v = 0;
    for (size_t k = i; k < i + 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
        else syntax(escape_at, "\\u escape needs four hex digits");
    }
    return v;
}

// Decodes a string literal starting at the quote s[start]; returns the offset after it.
size_t read_string(const std::string& s, size_t start, std::string& out) {
    const char quote = s[start];
    size_t i = start + 1;
    while (true) {
        if (i >= s.size()) syntax(start, "unterminated string literal");
        char c = s[i];
        if (c == quote) return i + 1;
        if (c == '\0') syntax(i, "NUL character in string literal");
        if (c != '\\') {
            out += c;
            i++;
            continue;
        }
        if (i + 1 >= s.size()) syntax(start, "unterminated string literal");
        char e = s[i + 1];
        switch (e) {
            case '"': case '\'': case '\\': case '/': out += e; i += 2; break;
            case 'n': out += '\n'; i += 2; break;
            case 't': out += '\t'; i += 2; break;
            case 'r': out += '\r'; i += 2; break;
            case 'b': out += '\b'; i += 2; break;
            case 'f': out += '\f'; i += 2; break;
            case 'u': {
                uint32_t cp = read_hex4(s, i + 2, i);
                size_t next = i + 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (next + 1 < s.size() && s[next] == '\\' && s[next + 1] == 'u') {
                        uint32_t lo = read_hex4(s, next + 2, next);
                        if (lo < 0xDC00 || lo > 0xDFFF) syntax(i, "invalid UTF-16 surrogate pair");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        next += 6;
                    } else {
                        syntax(i, "invalid UTF-16 surrogate pair");
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    syntax(i, "invalid UTF-16 surrogate pair");
                }
                if (cp == 0) syntax(i, "NUL character in string literal");
                append_utf8(out, cp);
                i = next;
                break;
            }
            default: syntax(i, std::string("unknown escape \\") + e + " in string literal");
        }
    }
}

// Reads a number at s[start]; fills the token and returns the offset after it.
size_t read_number(const std::string& s, size_t start, Token& tok) {
    size_t i = start;
    bool is_float = false;
    while (i < s.size() && is_digit(s[i])) i++;
    if (i < s.size() && s[i] == '.') {
        is_float = true;
        i++;
        while (i < s.size() && is_digit(s[i])) i++;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= s.size() || !is_digit(s[j])) syntax(start, "malformed number");
        while (j < s.size() && is_digit(s[j])) j++;
        i = j;
        is_float = true;
    }
    if (i < s.size() && is_ident_char(s[i])) syntax(start, "malformed number");
    std::string text = s.substr(start, i - start);
    errno = 0;
    if (is_float) {
        tok.kind = Tok::floating;
        tok.floating = std::strtod(text.c_str(), nullptr);
        if (errno == ERANGE && std::isinf(tok.floating))
            throw FilterError(FailureKind::limit, start + 1, "number " + text + " is out of range");
    } else {
        tok.kind = Tok::integer;
        unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        // one more than INT64_MAX is allowed so that -9223372036854775808 parses
        if (errno == ERANGE || v > 9223372036854775808ULL)
            throw FilterError(FailureKind::limit, start + 1,
                              "integer " + text + " is out of range for int64");
        tok.integer = static_cast<int64_t>(v);  // 2^63 wraps; the parser checks negation
        tok.text = text;
    }
    return i;
}

}  // namespace

std::vector<Token> tokenize(const std::string& s) {
    if (s.size() > kMaxExpressionBytes)
        throw FilterError(FailureKind::limit, 1,
                          "filter expression is longer than " +
                              std::to_string(kMaxExpressionBytes) + " bytes");
    std::vector<Token> out;
    size_t i = 0;
    while (true) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        Token tok{Tok::end, i + 1, {}};
        if (i >= s.size()) {
            out.push_back(tok);
            return out;
        }
        char c = s[i];
        char n = i + 1 < s.size() ? s[i + 1] : '\0';
        if (is_digit(c) || (c == '.' && is_digit(n))) {
            i = read_number(s, i, tok);
        } else if (c == '"' || c == '\'') {
            tok.kind = Tok::string;
            i = read_string(s, i, tok.text);
        } else if (is_ident_start(c)) {
            size_t j = i;
            while (j < s.size() && is_ident_char(s[j])) j++;
            tok.text = s.substr(i, j - i);
            std::string k = lower(tok.text);
            tok.kind = Tok::identifier;
            if (k == "and") tok.kind = Tok::kw_and;
            else if (k == "or") tok.kind = Tok::kw_or;
            else if (k == "not") tok.kind = Tok::kw_not;
            else if (k == "in") tok.kind = Tok::kw_in;
            else if (k == "like") tok.kind = Tok::kw_like;
            else if (k == "is") tok.kind = Tok::kw_is;
            else if (k == "null") tok.kind = Tok::kw_null;
            else if (k == "true") tok.kind = Tok::kw_true;
            else if (k == "false") tok.kind = Tok::kw_false;
            i = j;
        } else {
            size_t len = 1;
            switch (c) {
                case '(': tok.kind = Tok::lparen; break;
                case ')': tok.kind = Tok::rparen; break;
                case '[': tok.kind = Tok::lbracket; break;
                case ']': tok.kind = Tok::rbracket; break;
                case ',': tok.kind = Tok::comma; break;
                case '+': tok.kind = Tok::plus; break;
                case '-': tok.kind = Tok::minus; break;
                case '*': tok.kind = Tok::star; break;
                case '/': tok.kind = Tok::slash; break;
                case '%': tok.kind = Tok::percent; break;
                case '=':
                    if (n != '=') syntax(i, "unexpected \"=\" (did you mean \"==\"?)");
                    tok.kind = Tok::eq; len = 2; break;
                case '!':
                    if (n == '=') { tok.kind = Tok::ne; len = 2; }
                    else tok.kind = Tok::kw_not;
                    break;
                case '<':
                    if (n == '=') { tok.kind = Tok::le; len = 2; }
                    else if (n == '>') { tok.kind = Tok::ne; len = 2; }
                    else tok.kind = Tok::lt;
                    break;
                case '>':
                    if (n == '=') { tok.kind = Tok::ge; len = 2; }
                    else tok.kind = Tok::gt;
                    break;
                case '&':
                    if (n != '&') syntax(i, "unexpected \"&\" (did you mean \"&&\"?)");
                    tok.kind = Tok::kw_and; len = 2; break;
                case '|':
                    if (n != '|') syntax(i, "unexpected \"|\" (did you mean \"||\"?)");
                    tok.kind = Tok::kw_or; len = 2; break;
                default: {
                    unsigned char u = static_cast<unsigned char>(c);
                    if (u < 0x20 || u >= 0x7F)
                        syntax(i, "unexpected character (byte 0x" +
                                      std::string(1, "0123456789abcdef"[u >> 4]) +
                                      std::string(1, "0123456789abcdef"[u & 15]) + ")");
                    syntax(i, std::string("unexpected character \"") + c + "\"");
                }
            }
            i += len;
        }
        out.push_back(tok);
    }
}

std::string describe(const Token& t) {
    switch (t.kind) {
        case Tok::end: return "end of expression";
        case Tok::identifier: return "\"" + t.text + "\"";
        case Tok::integer: return "number " + t.text;
        case Tok::floating: return "a number";
        case Tok::string: return "a string";
        default: break;
    }
    static const char* names[] = {"", "", "", "", "", "true", "false", "and", "or", "not",
                                  "in", "like", "is", "null", "(", ")", "[", "]", ",",
                                  "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"};
    return std::string("\"") + names[static_cast<int>(t.kind)] + "\"";
}

}  // namespace vecdb::core::filter
